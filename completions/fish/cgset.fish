complete -c cgset -s r -l rule -l variable -d 'Parameter to set; several are applied in order, after the cgroup.subtree_control tokens ("+cpu -io": each token is written separately)' -r
complete -c cgset -l copy-from -d 'Control group whose parameters are copied (its configuration: writable one-line settings, not counters)' -r
complete -c cgset -s R -d 'Set the parameters in every group under <cgroup_path> too, parents first; cgroup.subtree_control: +tokens top-down, -tokens bottom-up, leaves skipped'
complete -c cgset -s b -d 'Ignore the default systemd delegate hierarchy (accepted for compatibility: cgtools never prefixes paths with one)'
complete -c cgset -s h -l help -d 'Print help (see more with \'--help\')'
