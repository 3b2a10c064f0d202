complete -c cgconfigd -s c -l config -d 'The main configuration file; a missing file counts as empty' -r -F
complete -c cgconfigd -s d -l config-dir -d 'The drop-in directory: its *.conf files are read in name order after FILE' -r -F
complete -c cgconfigd -l state-dir -d 'Where the record of the groups cgconfigd created is kept' -r -F
complete -c cgconfigd -l mode -d 'root: groups from each hierarchy\'s root, as libcgroup names them; delegated: below the cgroup systemd delegated to the service' -r -f -a "root\t''
delegated\t''"
complete -c cgconfigd -s b -l base -d 'Root the groups at PATH: below each hierarchy\'s root (root mode) or below the service\'s cgroup (delegated mode)' -r
complete -c cgconfigd -l supervisor -d 'Delegated mode: the leaf group cgconfigd\'s own process lives in' -r
complete -c cgconfigd -l log-level -d 'Log messages up to LEVEL' -r -f -a "error\t''
warning\t''
notice\t''
info\t''
debug\t''"
complete -c cgconfigd -l remove-on-stop -d 'On SIGTERM, remove the empty groups cgconfigd created (default: they stay)'
complete -c cgconfigd -l once -d 'Apply the configuration (removals included), then exit'
complete -c cgconfigd -l check -d 'Parse and check the files against the host, change nothing, exit'
complete -c cgconfigd -l dry-run -d 'Print what applying would change (removals included), change nothing, exit'
complete -c cgconfigd -l unload -d 'Remove the empty groups the state directory records as created by cgconfigd, then exit'
complete -c cgconfigd -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cgconfigd -s V -l version -d 'Print version'
