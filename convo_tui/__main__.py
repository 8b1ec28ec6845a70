from convo_tui.cli import main

main()
