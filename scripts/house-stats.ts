// Size figures of the codebase, rerun before and after a restructuring to compare:
// how many names the root entry point exports (and how many are values), how many source files
// there are, how many are under 30 lines, and the 15 largest functions by line count.
// Usage: node --import tsx scripts/house-stats.ts [--json]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const srcDir = join(root, 'src');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files = listFiles(srcDir).sort();
const shortFiles = files.filter((f) => readFileSync(f, 'utf8').split('\n').length - 1 < 30);

interface FunctionSize {
  name: string;
  file: string;
  lines: number;
}
const functions: FunctionSize[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ name: functionName(node), file: relative(root, file), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
functions.sort((a, b) => b.lines - a.lines);

function functionName(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) {
    const parent = node.parent;
    if (parent && ts.isClassLike(parent) && parent.name) return `${parent.name.text}.${named.name.text}`;
    return named.name.text;
  }
  if (ts.isConstructorDeclaration(node) && node.parent.name) return `${node.parent.name.text}.constructor`;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

function rootExports(): { names: number; values: number; deprecated: number; deprecatedValues: number } {
  const program = ts.createProgram([join(srcDir, 'index.ts')], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(join(srcDir, 'index.ts'));
  const moduleSymbol = entry && checker.getSymbolAtLocation(entry);
  if (!moduleSymbol) throw new Error('src/index.ts not found');
  const exports = checker.getExportsOfModule(moduleSymbol);
  let values = 0;
  let deprecated = 0;
  let deprecatedValues = 0;
  for (const symbol of exports) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
    if (isValue) values += 1;
    if (target.getJsDocTags(checker).some((tag) => tag.name === 'deprecated')) {
      deprecated += 1;
      if (isValue) deprecatedValues += 1;
    }
  }
  return { names: exports.length, values, deprecated, deprecatedValues };
}

const exported = rootExports();
const stats = {
  rootExports: exported.names,
  rootValueExports: exported.values,
  rootDeprecatedExports: exported.deprecated,
  rootDeprecatedValueExports: exported.deprecatedValues,
  srcFiles: files.length,
  srcFilesUnder30Lines: shortFiles.length,
  largestFunctions: functions.slice(0, 15),
};

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(stats, null, 2));
} else {
  console.log(
    `root exports: ${stats.rootExports} names (${stats.rootValueExports} values), of which @deprecated: ` +
      `${stats.rootDeprecatedExports} names (${stats.rootDeprecatedValueExports} values)`,
  );
  console.log(`files in src: ${stats.srcFiles}, under 30 lines: ${stats.srcFilesUnder30Lines}`);
  console.log('15 largest functions (lines):');
  for (const f of stats.largestFunctions) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  (${f.file})`);
}
