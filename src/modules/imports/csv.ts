import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { AppError } from '../../shared/errors.ts';

/** One data row of a CSV file: its cells, the line it starts on (header = line 1) and its text. */
export interface CsvRow {
  line: number;
  raw: string;
  cells: string[];
}

export interface CsvFile {
  header: string[];
  rows: AsyncIterable<CsvRow>;
}

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;

/** Reads the first line to pick the delimiter: spreadsheets in many locales write ';'. */
async function sniffDelimiter(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    let best = ',';
    let bestCount = 0;
    for (const delimiter of CANDIDATE_DELIMITERS) {
      let count = 0;
      let quoted = false;
      for (const char of firstLine) {
        if (char === '"') quoted = !quoted;
        else if (!quoted && char === delimiter) count += 1;
      }
      if (count > bestCount) {
        best = delimiter;
        bestCount = count;
      }
    }
    return best;
  } finally {
    await handle.close();
  }
}

/**
 * Line breaks in a piece of raw record text: CRLF, LF or a lone CR each count once. csv-parse
 * hands CRLF files' record ends over as a lone CR, so this counts both kinds of file alike.
 */
function countBreaks(text: string, from = 0, to = text.length): number {
  let count = 0;
  for (let index = from; index < to; index++) {
    const char = text.charCodeAt(index);
    if (char === 10) count += 1;
    else if (char === 13) {
      count += 1;
      if (text.charCodeAt(index + 1) === 10) index += 1;
    }
  }
  return count;
}

/**
 * Streams a CSV file: the header first, then the rows with the line each starts on, so a
 * rejected row can be reported as the user sees it in an editor. Blank lines are skipped;
 * cells spanning lines are handled. A syntax error (an unclosed quote) is fatal for the
 * file and names the line.
 */
export async function openCsv(path: string, displayName: string): Promise<CsvFile> {
  const delimiter = await sniffDelimiter(path);
  const parser = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(
    parse({ raw: true, bom: true, delimiter, relax_column_count: true, skip_empty_lines: true }),
  );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; raw: string }>;
  // The line the next record's text starts on (1-based).
  let nextLine = 1;
  const read = async (): Promise<CsvRow | null> => {
    let result: IteratorResult<{ record: string[]; raw: string }>;
    try {
      result = await iterator.next();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AppError(
        'UNPROCESSABLE',
        `${displayName}: the CSV cannot be read near line ${nextLine}: ${reason}`,
      );
    }
    if (result.done) return null;
    const { record, raw } = result.value;
    // Skipped blank lines come before the record in its raw text.
    let start = 0;
    while (raw[start] === '\n' || raw[start] === '\r') start += 1;
    nextLine += countBreaks(raw, 0, start);
    const line = nextLine;
    nextLine += countBreaks(raw, start);
    let end = raw.length;
    if (raw[end - 1] === '\n') end -= 1;
    if (raw[end - 1] === '\r') end -= 1;
    const cells = record;
    const last = cells.length - 1;
    const tail = cells[last];
    if (tail?.endsWith('\r')) cells[last] = tail.slice(0, -1);
    return { line, raw: raw.slice(start, end), cells };
  };
  const first = await read();
  if (!first) {
    const message = `${displayName}: the file is empty (no header row)`;
    throw new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'files', message }] });
  }
  const header = first.cells.map((cell) => cell.trim());
  return {
    header,
    rows: {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<CsvRow>> => {
          const row = await read();
          return row ? { done: false, value: row } : { done: true, value: undefined };
        },
        return: async (): Promise<IteratorResult<CsvRow>> => {
          parser.destroy();
          return { done: true, value: undefined };
        },
      }),
    },
  };
}

/** Reads a whole (small) CSV file into memory. */
export async function readSmallCsv(
  path: string,
  displayName: string,
): Promise<{ header: string[]; rows: CsvRow[] }> {
  const file = await openCsv(path, displayName);
  const rows: CsvRow[] = [];
  for await (const row of file.rows) rows.push(row);
  return { header: file.header, rows };
}

/**
 * Data rows in a file, counted by line breaks (for a progress total; cells spanning lines
 * make it an overestimate).
 */
export async function countDataRows(path: string): Promise<number> {
  let lines = 0;
  let lastByte = 10;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let index = chunk.indexOf(10);
    while (index !== -1) {
      lines += 1;
      index = chunk.indexOf(10, index + 1);
    }
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1] as number;
  }
  if (lastByte !== 10) lines += 1;
  return Math.max(0, lines - 1);
}
