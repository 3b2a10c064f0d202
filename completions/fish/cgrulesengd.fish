complete -c cgrulesengd -s f -l logfile -d 'Append the log to FILE; - writes it to standard output' -r -F
complete -c cgrulesengd -s s -l syslog -d 'Log to syslog, with FACILITY 0 to 7 (local0 to local7) or D (daemon, the default); the default log when -f is not given' -r
complete -c cgrulesengd -s u -l socket-user -d 'Owner of the cgred socket (default: root)' -r -f -a "(__fish_complete_users)"
complete -c cgrulesengd -s g -l socket-group -d 'Group of the cgred socket (default: root\'s group)' -r
complete -c cgrulesengd -s q -l quiet -d 'Log less: only errors by default, nothing with -q'
complete -c cgrulesengd -s v -l verbose -d 'Log more: warnings (-v), what the daemon does (-vv), every step (-vvv)'
complete -c cgrulesengd -s n -l nodaemon -d 'Stay in the foreground'
complete -c cgrulesengd -s d -l debug -d 'Same as -n -f - with the most verbose log'
complete -c cgrulesengd -s Q -l nolog -d 'Log nothing'
complete -c cgrulesengd -s h -l help -d 'Print help (see more with \'--help\')'
