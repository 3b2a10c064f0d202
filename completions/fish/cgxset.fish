complete -c cgxset -s r -l rule -l variable -d 'Parameter to set; several are applied in order, after the cgroup.subtree_control tokens ("+cpu -io": each token is written separately)' -r
complete -c cgxset -l copy-from -d 'Control group whose parameters are copied (its configuration: writable one-line settings, not counters)' -r
complete -c cgxset -s R -d 'Set the parameters in every group under <cgroup_path> too, parents first; cgroup.subtree_control: +tokens top-down, -tokens bottom-up, leaves skipped'
complete -c cgxset -s b -d 'Ignore the default systemd delegate hierarchy (accepted for compatibility: cgtools never prefixes paths with one)'
complete -c cgxset -s 1 -l v1 -d 'The parameters are in cgroup v1 format'
complete -c cgxset -s 2 -l v2 -d 'The parameters are in cgroup v2 format'
complete -c cgxset -s i -l ignore-unmappable -d 'Leave out parameters that have no equivalent in the other version instead of failing'
complete -c cgxset -s h -l help -d 'Print help (see more with \'--help\')'
