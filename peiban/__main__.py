from peiban.cli import main

main()
