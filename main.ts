/**
 * Command line: `start [--config FILE]`. Every command has `--help`.
 */
import { parseArgs } from "node:util";
import { Broker } from "./src/runtime/broker.ts";
import { ConfigError } from "./src/config/mod.ts";
import { logger, type LogLevel } from "./src/log.ts";

const VERSION = "0.1.0";

const USAGE = `Usage: activemq <command> [options]

An ActiveMQ Classic compatible message broker.

Commands:
  start      Start the broker (default config: conf/activemq.xml)
  version    Print the version

Run 'activemq <command> --help' for the options of a command.
`;

const START_USAGE = `Usage: activemq start [--config FILE] [--log-level LEVEL]

Starts the broker and runs until SIGINT or SIGTERM.

Options:
  -c, --config FILE      activemq.xml to load (default: conf/activemq.xml)
  -l, --log-level LEVEL  debug, info, warn or error (default: info)
  -h, --help             Show this help
`;

const log = logger("main");

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c", default: "conf/activemq.xml" },
      "log-level": { type: "string", short: "l", default: "info" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(START_USAGE);
    return 0;
  }
  const level = values["log-level"] as LogLevel;
  if (!["debug", "info", "warn", "error"].includes(level)) {
    console.error(`Unknown log level '${level}' (accepted: debug, info, warn, error)`);
    return 2;
  }
  // Listen for signals before starting: a signal right after "started" still stops gracefully,
  // and one while start-up waits (a slave waiting for the store lock) ends the wait.
  const aborter = new AbortController();
  const stopRequested = new Promise<void>((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      aborter.abort(new Error("Stopped by a signal while starting"));
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  let broker: Broker;
  try {
    broker = await Broker.start(values.config!, { logLevel: level, signal: aborter.signal });
  } catch (err: unknown) {
    if (aborter.signal.aborted) {
      log.info("Stopped before the broker finished starting");
      return 0;
    }
    if (err instanceof ConfigError) log.error((err as ConfigError).message);
    else log.error("Broker failed to start", err instanceof Error ? err.message : err);
    return 1;
  }
  await stopRequested;
  await broker.stop();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return await start(rest);
    case "version":
    case "--version":
      console.log(`activemq ${VERSION}`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    // parseArgs reports unknown options with a clear message of its own.
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(2);
  }
}
