from convo_tui.launch import main

main()
