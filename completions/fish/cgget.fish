complete -c cgget -s r -l variable -d 'Print this setting (may be given several times)' -r
complete -c cgget -s g -d 'Print every setting of these controllers of the groups given as PATH, or with :PATH of that group (may be given several times)' -r
complete -c cgget -s a -l all -d 'Print every setting of every mounted controller'
complete -c cgget -s n -d 'Do not print the group headers and empty lines'
complete -c cgget -s v -l values-only -d 'Print only the values, not the setting names'
complete -c cgget -s b -d 'Not supported: cgtools has no systemd default cgroup to ignore'
complete -c cgget -l json -d 'Print one JSON document instead of text (schema in --help)'
complete -c cgget -s m -d 'Print the cgroup setup mode (legacy, hybrid or unified)'
complete -c cgget -s c -d 'Print every mounted controller and its cgroup version'
complete -c cgget -s h -l help -d 'Print help (see more with \'--help\')'
