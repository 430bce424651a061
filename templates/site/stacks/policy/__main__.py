"""This site's policy pack. The pack is the installed regionkit's; this file only runs it."""

from regionkit.content import run_policy_pack

run_policy_pack()
