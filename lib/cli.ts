import { messageOf } from './errors.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { CONFIG_FILE, describeConfiguration, loadConfiguration, loadSiteConfig, type LoadedConfig, type SiteConfig } from './config.ts';
import { initConfig } from './init.ts';
import { buildFolder } from './pipeline/folder-build.ts';
import { defaultJobs } from './pipeline/threads.ts';
import type { RunReport } from './pipeline/types.ts';

// bench/build-run.mjs times builds through the bundle of this module, as `herald build` runs them.
export { buildFolder, loadSiteConfig };

export const EXIT_OK = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;

/** More threads than this only cost memory (each holds its own heap and modules). */
const MAX_JOBS = 64;

/** Where the CLI writes; injectable so tests can capture it. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** A progress bar is drawn only on a terminal. */
  isTTY: boolean;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

const HELP = `Herald: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for a folder of Markdown posts.

Usage:
  herald build --content <dir> --out <dir> [--config <file>] [--base-url <url>] [--strict] [--jobs <n>]
  herald serve --content <dir> [--out <dir>] [--port <n>] [--host <addr>] [--config <file>] [--base-url <url>] [--jobs <n>]
  herald init [--content <dir>] [--config <file>] [--base-url <url>]
  herald --help | --version

Commands:
  build   Read every post under --content and write the feed tree under --out:
            rss.xml atom.xml feed.json                 the whole site
            categories/<slug>/{rss.xml,atom.xml,feed.json}
            tags/<slug>/{rss.xml,atom.xml,feed.json}
            <feed>archive/<n>/{rss.xml,atom.xml,feed.json}  older items, page 1 the oldest
            index.html feeds.opml                      the feed directory
          Files whose bytes did not change are not rewritten. The index kept in --out/.herald/index
          lets the next build read only changed posts (none when nothing changed) and keep archive
          pages as cut; delete it to start afresh.
  serve   Build, then serve --out over HTTP the way the CDN does (ETag, 304, gzip/br)
          and regenerate the affected feeds whenever a post under --content changes.
  init    Write a minimal ${CONFIG_FILE} for --content (never over an existing one), from
          Hugo's hugo.toml/config.toml beside the folder when there is one, and say what to check.

Options:
  --content <dir>   Folder of Markdown posts (front matter: YAML --- or TOML +++). Default: content
  --out <dir>       Output folder. Default: public
  --config <file>   Site configuration. Default: <content>/${CONFIG_FILE}, else Hugo's
                    (hugo.toml, config.toml...) in <content> or its parent
  --base-url <url>  Overrides baseUrl and feedsUrl of the configuration.
  --strict          (build) Exit 1 when any post was rejected.
  --jobs <n>        Threads parsing, rendering and serializing a full build, this one included; 1 runs it
                    all in this thread. Default: one per core but one (here ${defaultJobs()}).
  --port <n>        (serve) Default: 8080
  --host <addr>     (serve) Default: 127.0.0.1
  -h, --help        Show this help.
  -v, --version     Show the version.

Exit status: 0 published; 1 with --strict when a post was rejected; 2 bad usage or configuration.`;

export const OPTIONS = {
  content: { type: 'string' },
  out: { type: 'string' },
  config: { type: 'string' },
  'base-url': { type: 'string' },
  strict: { type: 'boolean' },
  jobs: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`herald: ${messageOf(error)}\nRun 'herald --help' for usage.`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(await version());
    return EXIT_OK;
  }
  const [command, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.out(HELP);
    return command === undefined && !values.help ? EXIT_USAGE : EXIT_OK;
  }
  if (extra.length > 0 || (command !== 'build' && command !== 'serve' && command !== 'init')) {
    io.err(`herald: unknown command '${positionals.join(' ')}'\nRun 'herald --help' for usage.`);
    return EXIT_USAGE;
  }
  const jobs = values.jobs === undefined ? defaultJobs() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
    io.err(`herald: --jobs must be a whole number from 1 to ${MAX_JOBS}, not '${values.jobs}'`);
    return EXIT_USAGE;
  }
  const contentDir = path.resolve(values.content ?? 'content');
  const outDir = path.resolve(values.out ?? 'public');
  if (command === 'init') {
    try {
      for (const line of (await initConfig(contentDir, values.config, values['base-url'])).lines) io.out(line);
      return EXIT_OK;
    } catch (error) {
      io.err(`herald init: ${messageOf(error)}`);
      return EXIT_USAGE;
    }
  }
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfiguration(contentDir, values.config, values['base-url']);
  } catch (error) {
    io.err(`herald: ${messageOf(error)}`);
    return EXIT_USAGE;
  }
  const site = loaded.site;
  if (command === 'serve') {
    const port = values.port === undefined ? 8080 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`herald: --port must be a number from 0 to 65535, not '${values.port}'`);
      return EXIT_USAGE;
    }
    const { startPreview } = await import('./serve/preview.ts');
    for (const line of describeConfiguration(loaded)) io.out(line);
    return startPreview({
      contentDir,
      outDir,
      site,
      port,
      host: values.host ?? '127.0.0.1',
      configPath: values.config,
      hugoConfigFiles: loaded.hugo?.files,
      baseUrl: values['base-url'],
      log: io.out,
      err: io.err,
      jobs,
    });
  }
  const report = await build(contentDir, outDir, site, io, jobs);
  for (const line of summarize(report, contentDir, outDir, describeConfiguration(loaded))) io.out(line);
  return values.strict && report.posts.rejected.length > 0 ? EXIT_REJECTED : EXIT_OK;
}

async function build(contentDir: string, outDir: string, site: SiteConfig, io: CliIo, jobs: number): Promise<RunReport> {
  const bar = io.isTTY
    ? new SingleBar({ format: 'posts {bar} {value}/{total} {percentage}% eta {eta}s', hideCursor: true, clearOnComplete: true })
    : undefined;
  let started = false;
  const onProgress = (done: number, total: number) => {
    if (!bar) return;
    if (!started) {
      bar.start(total, 0);
      started = true;
    }
    bar.update(done);
  };
  const { report } = await buildFolder(contentDir, outDir, site, { jobs, onProgress, warn: io.err }).finally(() => bar?.stop());
  return report;
}

/** The closing summary: counts first, then every rejected file with its reason. */
export function summarize(report: RunReport, contentDir: string, outDir: string, configuration: string[] = []): string[] {
  const { posts, feeds } = report;
  const lines = [
    `herald build: ${path.relative(process.cwd(), contentDir) || '.'} -> ${path.relative(process.cwd(), outDir) || '.'}`,
    ...configuration,
    `  posts: ${posts.read} read${posts.unchanged > 0 ? ` (${posts.unchanged} unchanged since the last build, not parsed again)` : ''}, ${posts.published} published, ${posts.skipped.length} skipped, ${posts.rejected.length} rejected${posts.warned.length > 0 ? `, ${posts.warned.length} warnings` : ''}`,
  ];
  const reasons = new Map<string, number>();
  for (const { reason } of posts.skipped) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    lines.push(`  skipped ${count}: ${reason}`);
  }
  for (const error of posts.rejected) lines.push(`  rejected ${error.key}: ${error.reason}`);
  for (const { key, reason } of posts.warned) lines.push(`  warning ${key}: ${reason}`);
  lines.push(`  files: ${feeds.written.length} written, ${feeds.unchanged} unchanged, ${feeds.deleted.length} deleted`);
  for (const failure of report.failed) lines.push(`  failed ${failure.key}: ${failure.error}`);
  lines.push(`  done in ${(report.durationMs / 1000).toFixed(2)} s`);
  return lines;
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `herald ${pkg.version}`;
}
