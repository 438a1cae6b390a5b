
use builtin;
use str;

set edit:completion:arg-completer[glomers] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'glomers'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'glomers'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand node 'Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this)'
            cand run 'Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it'
            cand report 'Summarize a finished Maelstrom run folder (default: store/latest)'
            cand sweep 'Sweep node flags over seeds in the simulator: a table and the msgs-per-op against stable latency frontier (frontier.svg), with published solutions drawn beside it'
            cand maelstrom 'Manage the Maelstrom harness'
            cand completions 'Print shell completions'
            cand list 'List the challenges and their official commands'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'glomers;node'= {
            cand --seed 'Seed for the node''s random choices (default: from the clock)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;run'= {
            cand --engine 'engine'
            cand --seed 'Simulator seed (default: random; always printed so a run can be replayed)'
            cand --seeds 'Simulator only: run N consecutive seeds (from --seed, default 0) and summarise them'
            cand --node-count 'Number of nodes (n0..n{N-1}); 1..=100'
            cand --time-limit 'Seconds of client operations; 1..=3600'
            cand --rate 'Approximate total requests per second across all clients; 0.001..=100000'
            cand --concurrency 'Client count: N, or Kn for K × node count; at most 10000 clients'
            cand --latency 'Mean one-way latency in ms between servers, and between servers and services; 0..=60000'
            cand --latency-dist 'Latency distribution: constant, uniform or exponential'
            cand --nemesis 'Faults to inject (only `partition` exists)'
            cand --nemesis-interval 'Mean seconds between partition start and stop; 0.1..=3600'
            cand --topology 'Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total'
            cand --availability '`total`, or the minimum fraction (0 to 1) of operations that must succeed'
            cand --consistency-models 'Consistency model(s) checked for transactions'
            cand --key-count 'Number of keys for transactional and kafka workloads; 1..=1000'
            cand --max-txn-length 'Maximum micro-operations per transaction; 1..=1000'
            cand --max-writes-per-key 'Maximum writes per key; 1..=1000000'
            cand --node-arg 'Extra flag for the node, appended to the profile''s node flags (repeatable); with --bin, the program''s only arguments'
            cand --bin 'Test your own node: this program runs as every node instead of glomers'' own (under Maelstrom, or the simulator as real processes). `{id}` and `{workload}` are replaced by the challenge and the workload, e.g. ''bin/{id}'' with `run all`'
            cand --profiles 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)'
            cand --store 'Where Maelstrom writes store/ (default: the current folder)'
            cand --maelstrom 'A Maelstrom install folder (holding lib/maelstrom.jar) or launcher script'
            cand --timeout 'Stop Maelstrom (and every node) after this many seconds of wall time (default: the time limit plus 10 minutes; at most 604800, a week)'
            cand --json 'Print the verdict as JSON'
            cand --markdown 'Print the verdict as Markdown (for `run all`)'
            cand --fail-fast 'With `all`: stop at the first failing challenge (default: keep going)'
            cand --keep-going 'With `all`: run every challenge whatever fails (the default)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'glomers;report'= {
            cand --profiles 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)'
            cand --challenge 'Judge the run as this challenge (default: from glomers.json, or inferred from the workload and the logged command line)'
            cand --out 'Write the page and plots here instead of into the run folder (implies --html)'
            cand --from 'Message diagram (simulated runs): start of the window, ms from the test''s start (implies --html)'
            cand --to 'Message diagram: end of the window, ms (default: 2000 ms after --from, or the span of the messages followed)'
            cand --value 'Message diagram: follow every message that carried this value (e.g. broadcast value 42; JSON, else text)'
            cand --op 'Message diagram: follow the operation with this history index (its request, reply and, for a broadcast, its value)'
            cand --json 'json'
            cand --markdown 'markdown'
            cand --html 'Write the plots (SVG) and index.html for the run (any run folder, Maelstrom''s too), then print the verdict with the page''s path'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;sweep'= {
            cand --flag 'A node flag and its values, NAME=V1,V2,… or NAME=LO..HI:STEP (repeatable; every combination is a point). The profile''s own flags apply where not swept'
            cand --seeds 'Seeds per point'
            cand --seed 'The first seed'
            cand --jobs 'Points run at once (default: the machine''s cores)'
            cand --out 'Where frontier.svg, sweep.md and sweep.json go (default: store/sweeps/ID-TIME/)'
            cand --node-count 'Number of nodes (n0..n{N-1}); 1..=100'
            cand --time-limit 'Seconds of client operations; 1..=3600'
            cand --rate 'Approximate total requests per second across all clients; 0.001..=100000'
            cand --concurrency 'Client count: N, or Kn for K × node count; at most 10000 clients'
            cand --latency 'Mean one-way latency in ms between servers, and between servers and services; 0..=60000'
            cand --latency-dist 'Latency distribution: constant, uniform or exponential'
            cand --nemesis 'Faults to inject (only `partition` exists)'
            cand --nemesis-interval 'Mean seconds between partition start and stop; 0.1..=3600'
            cand --topology 'Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total'
            cand --availability '`total`, or the minimum fraction (0 to 1) of operations that must succeed'
            cand --consistency-models 'Consistency model(s) checked for transactions'
            cand --key-count 'Number of keys for transactional and kafka workloads; 1..=1000'
            cand --max-txn-length 'Maximum micro-operations per transaction; 1..=1000'
            cand --max-writes-per-key 'Maximum writes per key; 1..=1000000'
            cand --profiles 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)'
            cand --json 'Print the points as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;maelstrom'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand install 'Download, verify and unpack the pinned Maelstrom release into the cache'
            cand path 'Print where Maelstrom is found'
            cand doctor 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing'
            cand serve 'Start Maelstrom''s web UI over store/ (passes its arguments through)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'glomers;maelstrom;install'= {
            cand --url 'Download from this URL instead of the pinned one (also $GLOMERS_MAELSTROM_URL)'
            cand --sha256 'Expect this sha256 instead of the pinned one (also $GLOMERS_MAELSTROM_SHA256)'
            cand --profiles 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)'
            cand --force 'Reinstall even if this version is already in the cache'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;maelstrom;path'= {
            cand --maelstrom 'maelstrom'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;maelstrom;doctor'= {
            cand --maelstrom 'maelstrom'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;maelstrom;serve'= {
            cand --maelstrom 'maelstrom'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;maelstrom;help'= {
            cand install 'Download, verify and unpack the pinned Maelstrom release into the cache'
            cand path 'Print where Maelstrom is found'
            cand doctor 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing'
            cand serve 'Start Maelstrom''s web UI over store/ (passes its arguments through)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'glomers;maelstrom;help;install'= {
        }
        &'glomers;maelstrom;help;path'= {
        }
        &'glomers;maelstrom;help;doctor'= {
        }
        &'glomers;maelstrom;help;serve'= {
        }
        &'glomers;maelstrom;help;help'= {
        }
        &'glomers;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;list'= {
            cand --profiles 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'glomers;help'= {
            cand node 'Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this)'
            cand run 'Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it'
            cand report 'Summarize a finished Maelstrom run folder (default: store/latest)'
            cand sweep 'Sweep node flags over seeds in the simulator: a table and the msgs-per-op against stable latency frontier (frontier.svg), with published solutions drawn beside it'
            cand maelstrom 'Manage the Maelstrom harness'
            cand completions 'Print shell completions'
            cand list 'List the challenges and their official commands'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'glomers;help;node'= {
        }
        &'glomers;help;run'= {
        }
        &'glomers;help;report'= {
        }
        &'glomers;help;sweep'= {
        }
        &'glomers;help;maelstrom'= {
            cand install 'Download, verify and unpack the pinned Maelstrom release into the cache'
            cand path 'Print where Maelstrom is found'
            cand doctor 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing'
            cand serve 'Start Maelstrom''s web UI over store/ (passes its arguments through)'
        }
        &'glomers;help;maelstrom;install'= {
        }
        &'glomers;help;maelstrom;path'= {
        }
        &'glomers;help;maelstrom;doctor'= {
        }
        &'glomers;help;maelstrom;serve'= {
        }
        &'glomers;help;completions'= {
        }
        &'glomers;help;list'= {
        }
        &'glomers;help;help'= {
        }
    ]
    $completions[$command]
}
