complete -c lscgroup -s g -l group -d 'List this group and the groups below it (-g is optional)' -r
complete -c lscgroup -s b -d 'Not supported: cgtools has no systemd default cgroup to ignore'
complete -c lscgroup -l json -d 'Print one JSON document instead of text (schema in --help)'
complete -c lscgroup -s h -l help -d 'Print help (see more with \'--help\')'
