# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cgconfigd_global_optspecs
    string join \n c/config= d/config-dir= rules-engine rules= rules-dir= cgred-socket= cgred-socket-user= cgred-socket-group= no-cgred-socket state-dir= mode= b/base= supervisor= remove-on-stop log-level= lxcpath= no-containers containers-group= boot-groups= stop-timeout= keep-containers restart-containers= once check dry-run unload h/help V/version
end

function __fish_cgconfigd_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cgconfigd_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cgconfigd_using_subcommand
    set -l cmd (__fish_cgconfigd_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -s c -l config -d 'The main configuration file; a missing file counts as empty' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -s d -l config-dir -d 'The drop-in directory: its *.conf files are read in name order after FILE' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l rules -d 'With --rules-engine: the rules file; a missing file counts as empty' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l rules-dir -d 'With --rules-engine: more rules, its files in name order after the rules file' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l cgred-socket -d 'With --rules-engine: the cgred socket, where cgexec --sticky and cgclassify --sticky / --cancel-sticky ask that processes be left where they are (libcgroup\'s tools use /var/run/cgred.socket, the same file where /var/run links to /run)' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l cgred-socket-user -d 'The cgred socket\'s owner, a name or a uid (cgrulesengd\'s -u) [default: root]' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l cgred-socket-group -d 'The cgred socket\'s group, a name or a gid (cgrulesengd\'s -g); the socket\'s mode is 0660 [default: root\'s]' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l mode -d 'root: groups from each hierarchy\'s root, as libcgroup names them; delegated: below the cgroup systemd delegated to the service' -r -f -a "root\t''
delegated\t''"
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -s b -l base -d 'Root the groups at PATH: below each hierarchy\'s root (root mode) or below the service\'s cgroup (delegated mode)' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l supervisor -d 'Delegated mode: the leaf group cgconfigd\'s own process lives in' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l log-level -d 'Log messages up to LEVEL' -r -f -a "error\t''
warning\t''
notice\t''
info\t''
debug\t''"
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l lxcpath -d 'The container directory [default: lxc.lxcpath of /etc/lxc/lxc.conf, else /var/lib/lxc]' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l containers-group -d 'The group, below the base, holding each container\'s group (PATH/NAME); lxc.cgroup.dir in a container\'s config moves it' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l boot-groups -d 'The lxc.group groups started at boot, in order; an empty entry means the containers without a group (LXC\'s BOOTGROUPS)' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l stop-timeout -d 'How long a container has to stop after its halt signal before its group is killed' -r
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l restart-containers -d 'Start again a container whose init exited by itself: never (as LXC), when it failed, or always' -r -f -a "no\t''
on-failure\t''
always\t''"
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l rules-engine -d 'Classify processes by the rules (cgrulesengd\'s work): every process at start, new ones as they exec or change ids; needs CAP_NET_ADMIN in the host\'s namespaces'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l no-cgred-socket -d 'With --rules-engine: serve no cgred socket (no process is sticky)'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l remove-on-stop -d 'On SIGTERM, remove the empty groups cgconfigd created (default: they stay)'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l no-containers -d 'Manage no containers: no discovery, no autostart, no control socket'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l keep-containers -d 'On SIGTERM, leave the containers running (the next cgconfigd re-adopts them); by default they are stopped'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l once -d 'Apply the configuration (removals included), then exit'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l check -d 'Parse and check the files against the host, change nothing, exit'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l dry-run -d 'Print what applying would change (removals included), change nothing, exit'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -l unload -d 'Remove the empty groups the state directory records as created by cgconfigd, then exit'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -s V -l version -d 'Print version'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "ls" -d 'List the containers, as lxc-ls does'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "info" -d 'Show a container\'s state, pid and usage, as lxc-info does'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "start" -d 'Start a stopped container'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "stop" -d 'Stop a container: its halt signal, then SIGKILL of its group after the timeout'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "restart" -d 'Stop a container, then start it again'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "attach" -d 'Run a command in a running container, as lxc-attach does'
complete -c cgconfigd -n "__fish_cgconfigd_needs_command" -f -a "console" -d 'Connect to a container\'s console or one of its ttys, as lxc-console does'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -s F -l fancy-format -d 'The columns of -f, comma-separated: NAME STATE PID AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED' -r
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -s f -l fancy -d 'A table: NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED, as lxc-ls -f'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -s 1 -l line -d 'One name per line'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -l active -d 'Only containers that are not stopped'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -l running -d 'Only running containers'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -l stopped -d 'Only stopped containers'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -l json -d 'Everything cgconfigd knows of each container, as JSON'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand ls" -s h -l help -d 'Print help'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -s s -l state -d 'Only the state'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -s p -l pid -d 'Only the init\'s pid'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -s i -l ips -d 'Only the IP addresses'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -s S -l stats -d 'Only the usage (CPU, block I/O, memory, kernel memory, network traffic)'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -s H -l no-humanize -d 'Raw numbers: nanoseconds and bytes'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -l json -d 'Everything cgconfigd knows of the container, as JSON'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand info" -s h -l help -d 'Print help'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand start" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand start" -s h -l help -d 'Print help'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand stop" -s t -l timeout -d 'Seconds to wait after the halt signal [default: the daemon\'s --stop-timeout]' -r
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand stop" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand stop" -s k -l kill -d 'SIGKILL of its group at once, without the halt signal'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand stop" -s h -l help -d 'Print help'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand restart" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand restart" -s h -l help -d 'Print help'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand attach" -l keep-var -d 'Keep the caller\'s variable NAME (repeatable)' -r
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand attach" -s v -l set-var -d 'Set a variable for the command (repeatable)' -r
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand attach" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand attach" -l clear-env -d 'Clear the environment but container=lxc and PATH (the default)'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand attach" -l keep-env -d 'Keep the caller\'s whole environment (lxc-attach 5.0\'s default)'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand console" -s e -l escape -d 'The escape key: a letter, Ctrl+KEY [default: a]' -r
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand console" -s t -l tty -d 'The tty: 1 to lxc.tty.max, or 0, the console [default: 0, not lxc-console\'s first free tty]' -r
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand console" -l state-dir -d 'Where the record of the groups cgconfigd created, the containers\' state and the control socket are kept' -r -F
complete -c cgconfigd -n "__fish_cgconfigd_using_subcommand console" -s h -l help -d 'Print help (see more with \'--help\')'
