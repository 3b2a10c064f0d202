complete -c cgsnapshot -s b -l denylist -l blacklist -d 'Settings never captured, one per line [default: /etc/cgsnapshot_denylist.conf, else a built-in list]' -r -F
complete -c cgsnapshot -s w -l allowlist -l whitelist -d 'Settings known to be wanted, one per line [default: /etc/cgsnapshot_allowlist.conf]' -r -F
complete -c cgsnapshot -s f -l file -d 'Write the configuration to FILE instead of standard output' -r -F
complete -c cgsnapshot -s s -l silent -d 'Do not warn about settings that are neither deny- nor allow-listed'
complete -c cgsnapshot -s t -l strict -d 'Capture only allow-listed settings'
complete -c cgsnapshot -s h -l help -d 'Print help (see more with \'--help\')'
