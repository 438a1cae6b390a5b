# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_glomers_global_optspecs
    string join \n h/help V/version
end

function __fish_glomers_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_glomers_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_glomers_using_subcommand
    set -l cmd (__fish_glomers_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c glomers -n "__fish_glomers_needs_command" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_needs_command" -s V -l version -d 'Print version'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "node" -d 'Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this)'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "run" -d 'Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "report" -d 'Summarize a finished Maelstrom run folder (default: store/latest)'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "sweep" -d 'Sweep node flags over seeds in the simulator: a table and the msgs-per-op against stable latency frontier (frontier.svg), with published solutions drawn beside it'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "maelstrom" -d 'Manage the Maelstrom harness'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "list" -d 'List the challenges and their official commands'
complete -c glomers -n "__fish_glomers_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c glomers -n "__fish_glomers_using_subcommand node" -l seed -d 'Seed for the node\'s random choices (default: from the clock)' -r
complete -c glomers -n "__fish_glomers_using_subcommand node" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand run" -l engine -r -f -a "auto\t'Maelstrom if it can be found or installed and Java 11+ is present, else the simulator'
maelstrom\t'The real Maelstrom (installed on demand)'
sim\t'The embedded simulator'"
complete -c glomers -n "__fish_glomers_using_subcommand run" -l seed -d 'Simulator seed (default: random; always printed so a run can be replayed)' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l seeds -d 'Simulator only: run N consecutive seeds (from --seed, default 0) and summarise them' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l node-count -d 'Number of nodes (n0..n{N-1}); 1..=100' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l time-limit -d 'Seconds of client operations; 1..=3600' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l rate -d 'Approximate total requests per second across all clients; 0.001..=100000' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l concurrency -d 'Client count: N, or Kn for K × node count; at most 10000 clients' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l latency -d 'Mean one-way latency in ms between servers, and between servers and services; 0..=60000' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l latency-dist -d 'Latency distribution: constant, uniform or exponential' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l nemesis -d 'Faults to inject (only `partition` exists)' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l nemesis-interval -d 'Mean seconds between partition start and stop; 0.1..=3600' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l topology -d 'Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l availability -d '`total`, or the minimum fraction (0 to 1) of operations that must succeed' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l consistency-models -d 'Consistency model(s) checked for transactions' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l key-count -d 'Number of keys for transactional and kafka workloads; 1..=1000' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l max-txn-length -d 'Maximum micro-operations per transaction; 1..=1000' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l max-writes-per-key -d 'Maximum writes per key; 1..=1000000' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l node-arg -d 'Extra flag for the node, appended to the profile\'s node flags (repeatable); with --bin, the program\'s only arguments' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l bin -d 'Test your own node: this program runs as every node instead of glomers\' own (under Maelstrom, or the simulator as real processes). `{id}` and `{workload}` are replaced by the challenge and the workload, e.g. \'bin/{id}\' with `run all`' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l profiles -d 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand run" -l store -d 'Where Maelstrom writes store/ (default: the current folder)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand run" -l maelstrom -d 'A Maelstrom install folder (holding lib/maelstrom.jar) or launcher script' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand run" -l timeout -d 'Stop Maelstrom (and every node) after this many seconds of wall time (default: the time limit plus 10 minutes; at most 604800, a week)' -r
complete -c glomers -n "__fish_glomers_using_subcommand run" -l json -d 'Print the verdict as JSON'
complete -c glomers -n "__fish_glomers_using_subcommand run" -l markdown -d 'Print the verdict as Markdown (for `run all`)'
complete -c glomers -n "__fish_glomers_using_subcommand run" -l fail-fast -d 'With `all`: stop at the first failing challenge (default: keep going)'
complete -c glomers -n "__fish_glomers_using_subcommand run" -l keep-going -d 'With `all`: run every challenge whatever fails (the default)'
complete -c glomers -n "__fish_glomers_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c glomers -n "__fish_glomers_using_subcommand report" -l profiles -d 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand report" -l challenge -d 'Judge the run as this challenge (default: from glomers.json, or inferred from the workload and the logged command line)' -r
complete -c glomers -n "__fish_glomers_using_subcommand report" -l out -d 'Write the page and plots here instead of into the run folder (implies --html)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand report" -l from -d 'Message diagram (simulated runs): start of the window, ms from the test\'s start (implies --html)' -r
complete -c glomers -n "__fish_glomers_using_subcommand report" -l to -d 'Message diagram: end of the window, ms (default: 2000 ms after --from, or the span of the messages followed)' -r
complete -c glomers -n "__fish_glomers_using_subcommand report" -l value -d 'Message diagram: follow every message that carried this value (e.g. broadcast value 42; JSON, else text)' -r
complete -c glomers -n "__fish_glomers_using_subcommand report" -l op -d 'Message diagram: follow the operation with this history index (its request, reply and, for a broadcast, its value)' -r
complete -c glomers -n "__fish_glomers_using_subcommand report" -l json
complete -c glomers -n "__fish_glomers_using_subcommand report" -l markdown
complete -c glomers -n "__fish_glomers_using_subcommand report" -l html -d 'Write the plots (SVG) and index.html for the run (any run folder, Maelstrom\'s too), then print the verdict with the page\'s path'
complete -c glomers -n "__fish_glomers_using_subcommand report" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l flag -d 'A node flag and its values, NAME=V1,V2,… or NAME=LO..HI:STEP (repeatable; every combination is a point). The profile\'s own flags apply where not swept' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l seeds -d 'Seeds per point' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l seed -d 'The first seed' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l jobs -d 'Points run at once (default: the machine\'s cores)' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l out -d 'Where frontier.svg, sweep.md and sweep.json go (default: store/sweeps/ID-TIME/)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l node-count -d 'Number of nodes (n0..n{N-1}); 1..=100' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l time-limit -d 'Seconds of client operations; 1..=3600' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l rate -d 'Approximate total requests per second across all clients; 0.001..=100000' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l concurrency -d 'Client count: N, or Kn for K × node count; at most 10000 clients' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l latency -d 'Mean one-way latency in ms between servers, and between servers and services; 0..=60000' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l latency-dist -d 'Latency distribution: constant, uniform or exponential' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l nemesis -d 'Faults to inject (only `partition` exists)' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l nemesis-interval -d 'Mean seconds between partition start and stop; 0.1..=3600' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l topology -d 'Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l availability -d '`total`, or the minimum fraction (0 to 1) of operations that must succeed' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l consistency-models -d 'Consistency model(s) checked for transactions' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l key-count -d 'Number of keys for transactional and kafka workloads; 1..=1000' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l max-txn-length -d 'Maximum micro-operations per transaction; 1..=1000' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l max-writes-per-key -d 'Maximum writes per key; 1..=1000000' -r
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l profiles -d 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -l json -d 'Print the points as JSON'
complete -c glomers -n "__fish_glomers_using_subcommand sweep" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and not __fish_seen_subcommand_from install path doctor serve help" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and not __fish_seen_subcommand_from install path doctor serve help" -f -a "install" -d 'Download, verify and unpack the pinned Maelstrom release into the cache'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and not __fish_seen_subcommand_from install path doctor serve help" -f -a "path" -d 'Print where Maelstrom is found'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and not __fish_seen_subcommand_from install path doctor serve help" -f -a "doctor" -d 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and not __fish_seen_subcommand_from install path doctor serve help" -f -a "serve" -d 'Start Maelstrom\'s web UI over store/ (passes its arguments through)'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and not __fish_seen_subcommand_from install path doctor serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from install" -l url -d 'Download from this URL instead of the pinned one (also $GLOMERS_MAELSTROM_URL)' -r
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from install" -l sha256 -d 'Expect this sha256 instead of the pinned one (also $GLOMERS_MAELSTROM_SHA256)' -r
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from install" -l profiles -d 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from install" -l force -d 'Reinstall even if this version is already in the cache'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from path" -l maelstrom -r -F
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from doctor" -l maelstrom -r -F
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from doctor" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from serve" -l maelstrom -r -F
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from help" -f -a "install" -d 'Download, verify and unpack the pinned Maelstrom release into the cache'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print where Maelstrom is found'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from help" -f -a "doctor" -d 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Start Maelstrom\'s web UI over store/ (passes its arguments through)'
complete -c glomers -n "__fish_glomers_using_subcommand maelstrom; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c glomers -n "__fish_glomers_using_subcommand completions" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand list" -l profiles -d 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)' -r -F
complete -c glomers -n "__fish_glomers_using_subcommand list" -s h -l help -d 'Print help'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "node" -d 'Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this)'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "run" -d 'Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "report" -d 'Summarize a finished Maelstrom run folder (default: store/latest)'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "sweep" -d 'Sweep node flags over seeds in the simulator: a table and the msgs-per-op against stable latency frontier (frontier.svg), with published solutions drawn beside it'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "maelstrom" -d 'Manage the Maelstrom harness'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "completions" -d 'Print shell completions'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "list" -d 'List the challenges and their official commands'
complete -c glomers -n "__fish_glomers_using_subcommand help; and not __fish_seen_subcommand_from node run report sweep maelstrom completions list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c glomers -n "__fish_glomers_using_subcommand help; and __fish_seen_subcommand_from maelstrom" -f -a "install" -d 'Download, verify and unpack the pinned Maelstrom release into the cache'
complete -c glomers -n "__fish_glomers_using_subcommand help; and __fish_seen_subcommand_from maelstrom" -f -a "path" -d 'Print where Maelstrom is found'
complete -c glomers -n "__fish_glomers_using_subcommand help; and __fish_seen_subcommand_from maelstrom" -f -a "doctor" -d 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing'
complete -c glomers -n "__fish_glomers_using_subcommand help; and __fish_seen_subcommand_from maelstrom" -f -a "serve" -d 'Start Maelstrom\'s web UI over store/ (passes its arguments through)'
