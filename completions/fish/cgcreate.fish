complete -c cgcreate -s a -l admin -d 'Owner of the group directory and all its files' -r
complete -c cgcreate -s t -l task -d 'Owner of the files that move tasks in (v1: tasks, cgroup.procs; v2: cgroup.procs, cgroup.threads)' -r
complete -c cgcreate -s d -l dperm -d 'Permissions of the group directory (octal)' -r
complete -c cgcreate -s f -l fperm -d 'Permissions of the group\'s files (octal), limited by each file\'s owner bits: a read-only file stays read-only' -r
complete -c cgcreate -s s -l tperm -d 'Permissions of the tasks files (octal), limited by their owner bits' -r
complete -c cgcreate -s g -d 'Control group to create: comma-separated controllers (* for every mounted one, none for a cgroup v2 group without controllers), a colon and the path' -r
complete -c cgcreate -s p -l pid -d 'Task to start the systemd scope with (needs -c)' -r
complete -c cgcreate -s b -d 'Ignore the default systemd delegate hierarchy (accepted for compatibility: cgtools never prefixes paths with one)'
complete -c cgcreate -s c -l scope -d 'Create a delegated systemd scope (not supported: use systemd-run --scope)'
complete -c cgcreate -s S -l setdefault -d 'Make the new scope the default systemd delegate hierarchy (needs -c)'
complete -c cgcreate -s h -l help -d 'Print help (see more with \'--help\')'
