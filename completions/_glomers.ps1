
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'glomers' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'glomers'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'glomers' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Summarize a finished Maelstrom run folder (default: store/latest)')
            [CompletionResult]::new('sweep', 'sweep', [CompletionResultType]::ParameterValue, 'Sweep node flags over seeds in the simulator: a table and the msgs-per-op against stable latency frontier (frontier.svg), with published solutions drawn beside it')
            [CompletionResult]::new('maelstrom', 'maelstrom', [CompletionResultType]::ParameterValue, 'Manage the Maelstrom harness')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the challenges and their official commands')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'glomers;node' {
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for the node''s random choices (default: from the clock)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;run' {
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'engine')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Simulator seed (default: random; always printed so a run can be replayed)')
            [CompletionResult]::new('--seeds', '--seeds', [CompletionResultType]::ParameterName, 'Simulator only: run N consecutive seeds (from --seed, default 0) and summarise them')
            [CompletionResult]::new('--node-count', '--node-count', [CompletionResultType]::ParameterName, 'Number of nodes (n0..n{N-1}); 1..=100')
            [CompletionResult]::new('--time-limit', '--time-limit', [CompletionResultType]::ParameterName, 'Seconds of client operations; 1..=3600')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Approximate total requests per second across all clients; 0.001..=100000')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Client count: N, or Kn for K × node count; at most 10000 clients')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Mean one-way latency in ms between servers, and between servers and services; 0..=60000')
            [CompletionResult]::new('--latency-dist', '--latency-dist', [CompletionResultType]::ParameterName, 'Latency distribution: constant, uniform or exponential')
            [CompletionResult]::new('--nemesis', '--nemesis', [CompletionResultType]::ParameterName, 'Faults to inject (only `partition` exists)')
            [CompletionResult]::new('--nemesis-interval', '--nemesis-interval', [CompletionResultType]::ParameterName, 'Mean seconds between partition start and stop; 0.1..=3600')
            [CompletionResult]::new('--topology', '--topology', [CompletionResultType]::ParameterName, 'Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total')
            [CompletionResult]::new('--availability', '--availability', [CompletionResultType]::ParameterName, '`total`, or the minimum fraction (0 to 1) of operations that must succeed')
            [CompletionResult]::new('--consistency-models', '--consistency-models', [CompletionResultType]::ParameterName, 'Consistency model(s) checked for transactions')
            [CompletionResult]::new('--key-count', '--key-count', [CompletionResultType]::ParameterName, 'Number of keys for transactional and kafka workloads; 1..=1000')
            [CompletionResult]::new('--max-txn-length', '--max-txn-length', [CompletionResultType]::ParameterName, 'Maximum micro-operations per transaction; 1..=1000')
            [CompletionResult]::new('--max-writes-per-key', '--max-writes-per-key', [CompletionResultType]::ParameterName, 'Maximum writes per key; 1..=1000000')
            [CompletionResult]::new('--node-arg', '--node-arg', [CompletionResultType]::ParameterName, 'Extra flag for the node, appended to the profile''s node flags (repeatable); with --bin, the program''s only arguments')
            [CompletionResult]::new('--bin', '--bin', [CompletionResultType]::ParameterName, 'Test your own node: this program runs as every node instead of glomers'' own (under Maelstrom, or the simulator as real processes). `{id}` and `{workload}` are replaced by the challenge and the workload, e.g. ''bin/{id}'' with `run all`')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where Maelstrom writes store/ (default: the current folder)')
            [CompletionResult]::new('--maelstrom', '--maelstrom', [CompletionResultType]::ParameterName, 'A Maelstrom install folder (holding lib/maelstrom.jar) or launcher script')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop Maelstrom (and every node) after this many seconds of wall time (default: the time limit plus 10 minutes; at most 604800, a week)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the verdict as JSON')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'Print the verdict as Markdown (for `run all`)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'With `all`: stop at the first failing challenge (default: keep going)')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'With `all`: run every challenge whatever fails (the default)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'glomers;report' {
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)')
            [CompletionResult]::new('--challenge', '--challenge', [CompletionResultType]::ParameterName, 'Judge the run as this challenge (default: from glomers.json, or inferred from the workload and the logged command line)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the page and plots here instead of into the run folder (implies --html)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Message diagram (simulated runs): start of the window, ms from the test''s start (implies --html)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Message diagram: end of the window, ms (default: 2000 ms after --from, or the span of the messages followed)')
            [CompletionResult]::new('--value', '--value', [CompletionResultType]::ParameterName, 'Message diagram: follow every message that carried this value (e.g. broadcast value 42; JSON, else text)')
            [CompletionResult]::new('--op', '--op', [CompletionResultType]::ParameterName, 'Message diagram: follow the operation with this history index (its request, reply and, for a broadcast, its value)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'markdown')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write the plots (SVG) and index.html for the run (any run folder, Maelstrom''s too), then print the verdict with the page''s path')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;sweep' {
            [CompletionResult]::new('--flag', '--flag', [CompletionResultType]::ParameterName, 'A node flag and its values, NAME=V1,V2,… or NAME=LO..HI:STEP (repeatable; every combination is a point). The profile''s own flags apply where not swept')
            [CompletionResult]::new('--seeds', '--seeds', [CompletionResultType]::ParameterName, 'Seeds per point')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'The first seed')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Points run at once (default: the machine''s cores)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where frontier.svg, sweep.md and sweep.json go (default: store/sweeps/ID-TIME/)')
            [CompletionResult]::new('--node-count', '--node-count', [CompletionResultType]::ParameterName, 'Number of nodes (n0..n{N-1}); 1..=100')
            [CompletionResult]::new('--time-limit', '--time-limit', [CompletionResultType]::ParameterName, 'Seconds of client operations; 1..=3600')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Approximate total requests per second across all clients; 0.001..=100000')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Client count: N, or Kn for K × node count; at most 10000 clients')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Mean one-way latency in ms between servers, and between servers and services; 0..=60000')
            [CompletionResult]::new('--latency-dist', '--latency-dist', [CompletionResultType]::ParameterName, 'Latency distribution: constant, uniform or exponential')
            [CompletionResult]::new('--nemesis', '--nemesis', [CompletionResultType]::ParameterName, 'Faults to inject (only `partition` exists)')
            [CompletionResult]::new('--nemesis-interval', '--nemesis-interval', [CompletionResultType]::ParameterName, 'Mean seconds between partition start and stop; 0.1..=3600')
            [CompletionResult]::new('--topology', '--topology', [CompletionResultType]::ParameterName, 'Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total')
            [CompletionResult]::new('--availability', '--availability', [CompletionResultType]::ParameterName, '`total`, or the minimum fraction (0 to 1) of operations that must succeed')
            [CompletionResult]::new('--consistency-models', '--consistency-models', [CompletionResultType]::ParameterName, 'Consistency model(s) checked for transactions')
            [CompletionResult]::new('--key-count', '--key-count', [CompletionResultType]::ParameterName, 'Number of keys for transactional and kafka workloads; 1..=1000')
            [CompletionResult]::new('--max-txn-length', '--max-txn-length', [CompletionResultType]::ParameterName, 'Maximum micro-operations per transaction; 1..=1000')
            [CompletionResult]::new('--max-writes-per-key', '--max-writes-per-key', [CompletionResultType]::ParameterName, 'Maximum writes per key; 1..=1000000')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the points as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;maelstrom' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Download, verify and unpack the pinned Maelstrom release into the cache')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where Maelstrom is found')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start Maelstrom''s web UI over store/ (passes its arguments through)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'glomers;maelstrom;install' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Download from this URL instead of the pinned one (also $GLOMERS_MAELSTROM_URL)')
            [CompletionResult]::new('--sha256', '--sha256', [CompletionResultType]::ParameterName, 'Expect this sha256 instead of the pinned one (also $GLOMERS_MAELSTROM_SHA256)')
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Reinstall even if this version is already in the cache')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;maelstrom;path' {
            [CompletionResult]::new('--maelstrom', '--maelstrom', [CompletionResultType]::ParameterName, 'maelstrom')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;maelstrom;doctor' {
            [CompletionResult]::new('--maelstrom', '--maelstrom', [CompletionResultType]::ParameterName, 'maelstrom')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;maelstrom;serve' {
            [CompletionResult]::new('--maelstrom', '--maelstrom', [CompletionResultType]::ParameterName, 'maelstrom')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;maelstrom;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Download, verify and unpack the pinned Maelstrom release into the cache')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where Maelstrom is found')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start Maelstrom''s web UI over store/ (passes its arguments through)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'glomers;maelstrom;help;install' {
            break
        }
        'glomers;maelstrom;help;path' {
            break
        }
        'glomers;maelstrom;help;doctor' {
            break
        }
        'glomers;maelstrom;help;serve' {
            break
        }
        'glomers;maelstrom;help;help' {
            break
        }
        'glomers;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;list' {
            [CompletionResult]::new('--profiles', '--profiles', [CompletionResultType]::ParameterName, 'Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'glomers;help' {
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Summarize a finished Maelstrom run folder (default: store/latest)')
            [CompletionResult]::new('sweep', 'sweep', [CompletionResultType]::ParameterValue, 'Sweep node flags over seeds in the simulator: a table and the msgs-per-op against stable latency frontier (frontier.svg), with published solutions drawn beside it')
            [CompletionResult]::new('maelstrom', 'maelstrom', [CompletionResultType]::ParameterValue, 'Manage the Maelstrom harness')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the challenges and their official commands')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'glomers;help;node' {
            break
        }
        'glomers;help;run' {
            break
        }
        'glomers;help;report' {
            break
        }
        'glomers;help;sweep' {
            break
        }
        'glomers;help;maelstrom' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Download, verify and unpack the pinned Maelstrom release into the cache')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print where Maelstrom is found')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start Maelstrom''s web UI over store/ (passes its arguments through)')
            break
        }
        'glomers;help;maelstrom;install' {
            break
        }
        'glomers;help;maelstrom;path' {
            break
        }
        'glomers;help;maelstrom;doctor' {
            break
        }
        'glomers;help;maelstrom;serve' {
            break
        }
        'glomers;help;completions' {
            break
        }
        'glomers;help;list' {
            break
        }
        'glomers;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
