from regionkit.commands.app import main

main()
