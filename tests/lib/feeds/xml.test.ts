import { describe, expect, it } from 'vitest';
import { escapeAttr, escapeText, safeCdata, xmlSafe } from '../../../lib/feeds/xml.ts';

describe('xmlSafe', () => {
  it('removes what XML 1.0 forbids and keeps everything else', () => {
    const allowed = 'tab\t lf\n cr\r 中文 é \uE000 \uFFFD emoji\u{1F600} astral\u{10FFFF}';
    expect(xmlSafe(allowed)).toBe(allowed);
    expect(xmlSafe('a\u0000b\u0008c\u000Bd\u000Ce\u001Ff\uFFFEg\uFFFFh')).toBe('abcdefgh');
    expect(xmlSafe('lone \uD800 high, lone \uDC00 low')).toBe('lone  high, lone  low');
  });
});

describe('escaping', () => {
  it('escapes text so that ]]> cannot appear', () => {
    expect(escapeText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;');
  });

  it('escapes attribute values for double quotes', () => {
    expect(escapeAttr('"R&D" <lab>')).toBe('&quot;R&amp;D&quot; &lt;lab&gt;');
  });

  it('splits CDATA at every ]]>', () => {
    expect(safeCdata('a]]>b]]>c')).toBe('<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>c]]>');
    expect(safeCdata(']]>')).toBe('<![CDATA[]]]]><![CDATA[>]]>');
    expect(safeCdata(']]]>>')).toBe('<![CDATA[]]]]]><![CDATA[>>]]>');
    expect(safeCdata('')).toBe('<![CDATA[]]>');
  });
});
