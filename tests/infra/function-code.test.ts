import { describe, expect, it } from 'vitest';
import { functionCodeProblems } from '../../infra/function-code.ts';

const handler = 'function handler(event) {\n  return event.request;\n}\n';

describe('functionCodeProblems: what cloudfront-js-2.0 runs', () => {
  it('accepts ES 5.1 with const, let, arrow functions, template literals, rest parameters and **', () => {
    const code = `var a = 1;\nconst b = [2];\nlet c = (...xs) => xs.length ** 2;\nvar d = \`\${a}\${b}\`;\nvar o = { k: 1, get g() { return 2; } };\nfor (var k in o) {}\n${handler}`;
    expect(functionCodeProblems(code)).toEqual([]);
  });

  it.each([
    ['for (const x of [1]) {}', 'for-of'],
    ['class A {}', 'classes'],
    ['var { a } = {};', 'destructuring'],
    ['var [a] = [];', 'destructuring'],
    ['var a = [...[1]];', 'spread'],
    ['var a = { ...{} };', 'object spread'],
    ['var b = 1; var a = { b };', 'shorthand properties'],
    ['var a = { ["k"]: 1 };', 'computed property names'],
    ['var a = { m() {} };', 'method shorthand'],
    ['function* g() {}', 'generators'],
    ['function f(a = 1) {}', 'default parameters'],
    ['var a = String.raw`x`;', 'tagged templates'],
    ['var a = {}; var b = a?.b;', 'optional chaining'],
    ['var a = null ?? 1;', '??'],
    ['var a = 1n;', 'BigInt'],
    ['eval("1");', 'eval'],
    ['setTimeout(function () {}, 1);', 'setTimeout'],
    ['fetch("https://example.com/");', 'fetch'],
  ])('refuses %s (%s)', (statement, what) => {
    expect(functionCodeProblems(`${statement}\n${handler}`)).toEqual([`uses what cloudfront-js-2.0 lacks: ${what}`]);
  });

  it('refuses modules, code that does not parse, code without a handler, and more than 10 KB', () => {
    expect(functionCodeProblems(`export default 1;\n${handler}`)[0]).toMatch(/^not valid JavaScript: /);
    expect(functionCodeProblems('function handler(event) {')[0]).toMatch(/^not valid JavaScript: /);
    expect(functionCodeProblems('var handler = function (event) { return event.request; };')).toEqual([
      'has no top-level function handler(event)',
    ]);
    expect(functionCodeProblems(`// ${'x'.repeat(10_240)}\n${handler}`)).toEqual(['10296 bytes, over the 10240-byte limit']);
  });
});
