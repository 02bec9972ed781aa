/**
 * Go's `text/tabwriter` as istioctl's tables use it: `new(tabwriter.Writer).Init(w, 0, 8, 5, ' ', 0)`
 * (minwidth 0, padding 5, pad with spaces, no flags). Cells end at a tab; the text after a line's
 * last tab is not a cell and is never padded, so an empty last column leaves the padding of the
 * column before it (istioctl's `status` rows end in spaces). A line without tabs ends a block: the
 * columns of the lines before it are aligned apart from those after it. Ported from `format` and
 * `writeLines` of Go's `text/tabwriter/tabwriter.go`.
 */

/** What `Init` takes (istioctl's values by default). */
export interface TabwriterOptions {
  readonly minwidth?: number;
  readonly padding?: number;
}

type Line = readonly string[];

/** The width of a cell, as tabwriter counts it: runes (UTF-8 code points). */
function width(cell: string): number {
  return [...cell].length;
}

function writeLines(lines: readonly Line[], widths: readonly number[], out: string[]): void {
  for (const line of lines) {
    line.forEach((cell, j) => {
      out.push(cell);
      const column = widths[j];
      if (column !== undefined && j < line.length - 1) out.push(' '.repeat(column - width(cell)));
    });
    out.push('\n');
  }
}

/** `format`: column blocks are runs of lines that have a cell (tab-terminated) in the column. */
function format(
  lines: readonly Line[],
  from: number,
  to: number,
  widths: number[],
  options: Required<TabwriterOptions>,
  out: string[],
): void {
  const column = widths.length;
  let start = from;
  let at = from;
  while (at < to) {
    if (column >= (lines[at] as Line).length - 1) {
      at++;
      continue;
    }
    writeLines(lines.slice(start, at), widths, out);
    start = at;
    let cellWidth = options.minwidth;
    for (; at < to; at++) {
      const line = lines[at] as Line;
      if (column >= line.length - 1) break;
      cellWidth = Math.max(cellWidth, width(line[column] as string) + options.padding);
    }
    widths.push(cellWidth);
    format(lines, start, at, widths, options, out);
    widths.pop();
    start = at;
  }
  writeLines(lines.slice(start, to), widths, out);
}

/**
 * Aligns `text` (lines of tab-separated cells, each ending in a newline) as Go's tabwriter does
 * when flushed.
 *
 * @example
 * ```ts
 * tabwrite('NAME\tREVISION\nwaypoint\tdefault\n');
 * // 'NAME         REVISION\nwaypoint     default\n'
 * ```
 */
export function tabwrite(text: string, options: TabwriterOptions = {}): string {
  const resolved = { minwidth: options.minwidth ?? 0, padding: options.padding ?? 5 };
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const all = body === '' ? [] : body.split('\n').map((line) => line.split('\t'));
  const out: string[] = [];
  // A line of one cell flushes what came before it: blocks are formatted independently.
  let start = 0;
  all.forEach((line, i) => {
    if (line.length === 1) {
      format(all, start, i + 1, [], resolved, out);
      start = i + 1;
    }
  });
  format(all, start, all.length, [], resolved, out);
  const result = out.join('');
  return text.endsWith('\n') ? result : result.slice(0, -1);
}
