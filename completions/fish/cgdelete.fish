complete -c cgdelete -s g -l group -d 'Control group to be removed (-g is optional)' -r
complete -c cgdelete -s r -l recursive -d 'Recursively remove all subgroups; their tasks move to the parent group too (never killed)'
complete -c cgdelete -s b -d 'Ignore the default systemd delegate hierarchy (accepted for compatibility: cgtools never prefixes paths with one)'
complete -c cgdelete -s h -l help -d 'Print help (see more with \'--help\')'
