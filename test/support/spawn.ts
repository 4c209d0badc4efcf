import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Spawned {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  // 'exit' can come before the last of the child's output has been read from its pipes
  // (a `--help` printed just before exiting then reads as empty): wait for the pipes to
  // close too, for at most 5 s in case a grandchild still holds them.
  const piped = Promise.all(
    [child.stdout, child.stderr].map((stream) =>
      stream ? once(stream, 'close').catch(() => undefined) : undefined,
    ),
  );
  const exited = once(child, 'exit').then(async ([code, signal]) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([piped, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return {
    child,
    output: () => out,
    exit: () => exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`)),
          timeoutMs,
        );
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            clearTimeout(timer);
            child.stdout?.off('data', check);
            resolve(m);
          }
        };
        child.stdout?.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          const m = out.match(pattern);
          if (m) resolve(m);
          else reject(new Error(`process exited before ${pattern}; output:\n${out}`));
        });
        check();
      });
    },
  };
}
