/**
 * Minimal leveled logger. Every line carries a component (`broker`,
 * `stomp:conn-3`, …) so operators can tell which connector or connection spoke.
 * Workers use the same module; the level travels with their init command.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold: number = ORDER.info;
let currentLevel: LogLevel = "info";

export function setLogLevel(level: LogLevel): void {
  currentLevel = level;
  threshold = ORDER[level];
}

export function logLevel(): LogLevel {
  return currentLevel;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
  readonly debugEnabled: boolean;
  child(component: string): Logger;
}

function line(level: string, component: string, message: string): string {
  return `${new Date().toISOString()} ${level.padEnd(5)} [${component}] ${message}`;
}

export function logger(component: string): Logger {
  return {
    debug: (m) => {
      if (threshold <= ORDER.debug) console.debug(line("DEBUG", component, m));
    },
    info: (m) => {
      if (threshold <= ORDER.info) console.log(line("INFO", component, m));
    },
    warn: (m) => {
      if (threshold <= ORDER.warn) console.warn(line("WARN", component, m));
    },
    error: (m, err) => {
      if (threshold > ORDER.error) return;
      const detail = err instanceof Error
        ? `: ${err.stack ?? err.message}`
        : err !== undefined
        ? `: ${err}`
        : "";
      console.error(line("ERROR", component, m + detail));
    },
    get debugEnabled() {
      return threshold <= ORDER.debug;
    },
    child: (sub) => logger(`${component}:${sub}`),
  };
}
