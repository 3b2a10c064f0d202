complete -c cgconfigparser -s l -l load -d 'Parse and load the cgroup configuration file' -r -F
complete -c cgconfigparser -s L -l load-directory -d 'Parse and load every *.conf file of the directory, in sorted order' -r -F
complete -c cgconfigparser -s a -l admin -d 'Default owner of groups\' directories and files' -r
complete -c cgconfigparser -s t -l task -d 'Default owner of groups\' tasks files' -r
complete -c cgconfigparser -s d -l dperm -d 'Default permissions of groups\' directories' -r
complete -c cgconfigparser -s f -l fperm -d 'Default permissions of groups\' files' -r
complete -c cgconfigparser -s s -l tperm -d 'Default permissions of groups\' tasks files' -r
complete -c cgconfigparser -l check -d 'Only parse and check the files against the host; change nothing'
complete -c cgconfigparser -l dry-run -d 'Print the changes applying would make, one per line; change nothing'
complete -c cgconfigparser -l json -d 'With --dry-run: print the plan as one JSON document'
complete -c cgconfigparser -l unload -d 'Remove the groups the files describe, deepest first; groups with tasks are refused unless -r'
complete -c cgconfigparser -s r -l recursive -d 'With --unload: move the tasks of removed groups to their parent (never kills)'
complete -c cgconfigparser -s h -l help -d 'Print help (see more with \'--help\')'
