/**
 * Checks a CloudFront Function's code against what its runtime accepts, at synth time, so that a mistake fails
 * `cdk synth` with a reason instead of the deployment. cloudfront-js-2.0 (CloudFront Developer Guide, "JavaScript
 * runtime 2.0 features for CloudFront Functions") runs ES 5.1 plus const, let, async/await, template literals,
 * arrow functions, rest parameters and `**`; not eval, Function, timers or fetch; and the code is at most 10 KB.
 * Parsed with TypeScript's parser (already a dependency), which reads plain JavaScript.
 */
import vm from 'node:vm';
import ts from 'typescript';
import { FUNCTION_CODE_LIMIT } from '../lib/aliases.ts';

/** Syntax the runtime lacks, by what a reader would call it. */
const UNSUPPORTED: ReadonlyMap<ts.SyntaxKind, string> = new Map([
  [ts.SyntaxKind.ForOfStatement, 'for-of'],
  [ts.SyntaxKind.ClassDeclaration, 'classes'],
  [ts.SyntaxKind.ClassExpression, 'classes'],
  [ts.SyntaxKind.ObjectBindingPattern, 'destructuring'],
  [ts.SyntaxKind.ArrayBindingPattern, 'destructuring'],
  [ts.SyntaxKind.SpreadElement, 'spread'],
  [ts.SyntaxKind.SpreadAssignment, 'object spread'],
  [ts.SyntaxKind.ShorthandPropertyAssignment, 'shorthand properties'],
  [ts.SyntaxKind.ComputedPropertyName, 'computed property names'],
  [ts.SyntaxKind.MethodDeclaration, 'method shorthand'],
  [ts.SyntaxKind.YieldExpression, 'generators'],
  [ts.SyntaxKind.TaggedTemplateExpression, 'tagged templates'],
  [ts.SyntaxKind.QuestionDotToken, 'optional chaining'],
  [ts.SyntaxKind.QuestionQuestionToken, '??'],
  [ts.SyntaxKind.ImportDeclaration, 'modules'],
  [ts.SyntaxKind.ExportDeclaration, 'modules'],
  [ts.SyntaxKind.ExportAssignment, 'modules'],
  [ts.SyntaxKind.BigIntLiteral, 'BigInt'],
]);
const RESTRICTED = new Set(['eval', 'Function', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'XMLHttpRequest']);

/** What keeps `code` from running as a CloudFront Function (cloudfront-js-2.0); empty when nothing does. */
export function functionCodeProblems(code: string): string[] {
  const problems: string[] = [];
  const size = Buffer.byteLength(code);
  if (size > FUNCTION_CODE_LIMIT) problems.push(`${size} bytes, over the ${FUNCTION_CODE_LIMIT}-byte limit`);
  try {
    new vm.Script(code);
  } catch (error) {
    return [...problems, `not valid JavaScript: ${(error as Error).message}`];
  }
  const source = ts.createSourceFile('function.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    const unsupported = UNSUPPORTED.get(node.kind);
    if (unsupported) found.add(unsupported);
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.asteriskToken) found.add('generators');
    if (ts.isParameter(node) && node.initializer) found.add('default parameters');
    if (ts.isIdentifier(node) && RESTRICTED.has(node.text)) found.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (found.size > 0) problems.push(`uses what cloudfront-js-2.0 lacks: ${[...found].join(', ')}`);
  const handler = source.statements.some((statement) => ts.isFunctionDeclaration(statement) && statement.name?.text === 'handler');
  if (!handler) problems.push('has no top-level function handler(event)');
  return problems;
}
