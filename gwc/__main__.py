from gwc.cli import main

main()
