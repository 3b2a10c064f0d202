complete -c cgclassify -s g -d 'Control group to be used as target (repeatable; * = every mounted controller, :path = the cgroup v2 mount)' -r
complete -c cgclassify -s s -l sticky -d 'cgred daemon does not change pidlist and children tasks'
complete -c cgclassify -l cancel-sticky -d 'cgred daemon change pidlist and children tasks'
complete -c cgclassify -s h -l help -d 'Print help (see more with \'--help\')'
