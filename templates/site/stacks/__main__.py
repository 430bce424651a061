"""This site's region stacks. The program is the installed regionkit's; this file only runs it."""

from regionkit.content import run_stack_program

run_stack_program()
