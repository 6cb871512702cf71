// Markdown of answers and people's messages: markdown-it with raw HTML off (it escapes every tag) and its link
// validation (no javascript:, vbscript:, file:, data: links), images off (no requests to other sites, no onerror),
// highlight.js for code blocks. The component puts the result through DOMPurify (sanitize.ts) before it reaches
// the page: two independent layers, either of which keeps markup from running.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import cpp from 'highlight.js/lib/languages/cpp';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import xml from 'highlight.js/lib/languages/xml';
import MarkdownIt from 'markdown-it';
import { splitMentions } from './mentions';

// a few common languages keep the chunk small (each costs 2–8 kB); others show as plain code
const LANGUAGES = { bash, cpp, java, javascript, json, python, xml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['c', 'c++', 'arduino', 'ino'], { languageName: 'cpp' });
hljs.registerAliases(['js', 'jsx', 'node', 'ts', 'tsx', 'typescript'], { languageName: 'javascript' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });

/** What the rendered Markdown says in the page's language. */
export interface MarkdownLabels {
  copyCode: string;
}

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false }).disable(['image']);

// mentions of known names stay highlighted inside Markdown text (never inside code)
let mentionNames: readonly string[] = [];
md.renderer.rules.text = (tokens, idx) =>
  splitMentions(tokens[idx]?.content ?? '', mentionNames)
    .map((s) => (s.mention ? `<span class="mention">${md.utils.escapeHtml(s.text)}</span>` : md.utils.escapeHtml(s.text)))
    .join('');

let labels: MarkdownLabels = { copyCode: 'Copy' };
md.renderer.rules.fence = (tokens, idx) => {
  const content = tokens[idx]?.content ?? '';
  const info = (tokens[idx]?.info ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const language = info && hljs.getLanguage(info) ? info : '';
  const body = language
    ? hljs.highlight(content, { language, ignoreIllegals: true }).value
    : md.utils.escapeHtml(content);
  const name = md.utils.escapeHtml(info.slice(0, 20));
  return (
    `<div class="code-block"><div class="code-head"><span class="code-lang">${name}</span>` +
    `<button type="button" class="copy-button" data-copy="code">${md.utils.escapeHtml(labels.copyCode)}</button></div>` +
    `<pre><code class="hljs${language ? ` language-${language}` : ''}">${body}</code></pre></div>`
  );
};

/** The HTML of a message's Markdown, before sanitizing (see `sanitize.ts`). */
export function renderMarkdown(text: string, names: readonly string[], pageLabels: MarkdownLabels): string {
  mentionNames = names;
  labels = pageLabels;
  try {
    return md.render(text).trim();
  } finally {
    mentionNames = [];
  }
}
