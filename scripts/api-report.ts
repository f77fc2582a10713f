// The public API report: one `etc/<entry>.api.md` per entry point in package.json `exports`,
// written by API Extractor from the built `.d.ts` files (run `npm run build` first).
//   node --import tsx scripts/api-report.ts          check: fails when an entry's API differs from
//                                                    its checked-in report (or has none)
//   node --import tsx scripts/api-report.ts --update  rewrite the reports (`npm run api`)
// New subpaths are picked up from package.json, so after adding or merging one, `npm run api`
// regenerates every report and the diff shows what changed.
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';

const root = new URL('..', import.meta.url).pathname;
const reportFolder = join(root, 'etc');
const tempFolder = join(root, 'node_modules', '.cache', 'api-report');
const update = process.argv.includes('--update');

interface ExportTarget {
  types?: string;
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, ExportTarget | string>;
};

/** `.` -> `llm-ledger`, `./openai` -> `llm-ledger-openai`. */
function reportName(subpath: string): string {
  return subpath === '.' ? pkg.name : `${pkg.name}-${subpath.slice(2).replaceAll('/', '-')}`;
}

const entries = Object.entries(pkg.exports)
  .filter(
    (entry): entry is [string, ExportTarget & { types: string }] => typeof entry[1] === 'object' && !!entry[1].types,
  )
  .map(([subpath, target]) => ({ subpath, name: reportName(subpath), dts: join(root, target.types) }));

function configFor(entry: (typeof entries)[number]): ExtractorConfig {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: entry.dts,
    compiler: { tsconfigFilePath: join(root, 'tsconfig.build.json') },
    apiReport: {
      enabled: true,
      reportFileName: entry.name,
      reportFolder,
      reportTempFolder: tempFolder,
      includeForgottenExports: false,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.None },
        // Our own release tags are not used; what matters is the shape of each entry point.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None },
      },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: join(root, 'api-extractor.json'),
    packageJsonFullPath: join(root, 'package.json'),
  });
}

mkdirSync(reportFolder, { recursive: true });
mkdirSync(tempFolder, { recursive: true });
const configs = entries.map((entry) => ({ entry, config: configFor(entry) }));
// One TypeScript program for every entry point: building it is most of the time.
const compilerState = CompilerState.create(configs[0]!.config, {
  additionalEntryPoints: configs.map(({ entry }) => entry.dts),
});

const changed: string[] = [];
for (const { entry, config } of configs) {
  const result = Extractor.invoke(config, {
    localBuild: update,
    compilerState,
    messageCallback: (message: ExtractorMessage) => {
      // The "report changed" warning is replaced by our one summary below.
      if (message.messageId === 'console-api-report-changed' || message.messageId === 'console-api-report-created') {
        message.handled = true;
      }
      if (message.logLevel === ExtractorLogLevel.Info || message.logLevel === ExtractorLogLevel.Verbose) {
        message.handled = true;
      }
    },
  });
  if (result.apiReportChanged) changed.push(`${entry.subpath} (etc/${entry.name}.api.md)`);
  if (result.errorCount > 0) {
    console.error(`api-report: ${entry.subpath}: ${result.errorCount} error(s)`);
    process.exitCode = 1;
  }
}

// Reports of entry points that no longer exist are stale.
const expected = new Set(entries.map((entry) => `${entry.name}.api.md`));
const stale = readdirSync(reportFolder).filter((file) => file.endsWith('.api.md') && !expected.has(file));
if (update) {
  for (const file of stale) rmSync(join(reportFolder, file));
  console.log(
    `api-report: ${entries.length} entry points; ${changed.length ? `updated ${changed.join(', ')}` : 'no change'}` +
      (stale.length ? `; removed ${stale.join(', ')}` : ''),
  );
} else if (changed.length || stale.length) {
  console.error(
    `api-report: the public API differs from the checked-in report for ${[...changed, ...stale].join(', ')}.\n` +
      '  If the change is intended, run `npm run api` and commit etc/*.api.md.',
  );
  process.exitCode = 1;
} else {
  console.log(`api-report: ${entries.length} entry points match etc/*.api.md`);
}
