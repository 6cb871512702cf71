import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/chat/markdown';

const labels = { copyCode: 'Copy' };
const render = (text: string, names: readonly string[] = []) => renderMarkdown(text, names, labels);

describe('renderMarkdown', () => {
  it('renders emphasis, lists, tables and highlighted code with a copy button', () => {
    const html = render('**bold** _it_\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint("hi")\n```');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<em>it</em>');
    expect(html).toMatch(/<ul>\s*<li>one<\/li>/);
    expect(html).toContain('<table>');
    expect(html).toContain('<code class="hljs language-python">');
    expect(html).toContain('<span class="hljs-built_in">print</span>');
    expect(html).toContain('<button type="button" class="copy-button" data-copy="code">Copy</button>');
  });

  it('never passes raw HTML through, in text or in blocks', () => {
    for (const evil of ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '<div>\n<iframe src="x"></iframe>\n</div>']) {
      const html = render(evil);
      expect(html).not.toMatch(/<(img|script|iframe|div)\b/);
      expect(html).toContain('&lt;');
    }
  });

  it('drops links to javascript:, vbscript:, data: and file: and renders no images', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'vbscript:x', 'data:text/html;base64,PHNjcmlwdD4=', 'file:///etc/passwd']) {
      expect(render(`[x](${url})`)).not.toContain('href=');
    }
    const image = render('![x](https://example.com/a.png "t" onerror=alert(1))');
    expect(image).not.toContain('<img');
    expect(render('![x](data:image/png;base64,AAAA)')).not.toContain('<img');
  });

  it('keeps web links and escapes what a code block holds', () => {
    expect(render('[site](https://example.com/?a=1&b=2)')).toContain('href="https://example.com/?a=1&amp;b=2"');
    expect(render('```\n<b>not bold</b>\n```')).toContain('&lt;b&gt;not bold&lt;/b&gt;');
    expect(render('```"><img src=x onerror=alert(1)>\nx\n```')).not.toContain('<img');
  });

  it('highlights mentions of known names but not inside code', () => {
    const html = render('hi @Alice and `@Alice`', ['Alice']);
    expect(html).toContain('<span class="mention">@Alice</span>');
    expect(html).toContain('<code>@Alice</code>');
  });
});
