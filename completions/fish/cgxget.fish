complete -c cgxget -s r -l variable -d 'Print this setting (may be given several times)' -r
complete -c cgxget -s g -d 'Print every setting of these controllers of the groups given as PATH, or with :PATH of that group (may be given several times)' -r
complete -c cgxget -s a -l all -d 'Print every setting of every mounted controller'
complete -c cgxget -s n -d 'Do not print the group headers and empty lines'
complete -c cgxget -s v -l values-only -d 'Print only the values, not the setting names'
complete -c cgxget -s b -d 'Not supported: cgtools has no systemd default cgroup to ignore'
complete -c cgxget -l json -d 'Print one JSON document instead of text (schema in --help)'
complete -c cgxget -s 1 -l v1 -d 'Names and values are in cgroup v1 format'
complete -c cgxget -s 2 -l v2 -d 'Names and values are in cgroup v2 format'
complete -c cgxget -s i -l ignore-unmappable -d 'Leave out settings that cannot be converted instead of failing'
complete -c cgxget -s h -l help -d 'Print help (see more with \'--help\')'
