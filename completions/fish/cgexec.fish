complete -c cgexec -s g -d 'Control group to run the command in (repeatable; * = every mounted controller, :path = the cgroup v2 mount)' -r
complete -c cgexec -l sticky -d 'cgred daemon does not change pidlist and children tasks'
complete -c cgexec -s h -l help -d 'Print help (see more with \'--help\')'
