import { Readable, pipeline } from 'node:stream';
import { Logger, StreamableFile } from '@nestjs/common';
import { stringify } from 'csv-stringify';

export interface CsvColumn<T> {
  key: keyof T & string;
  header: string;
}

const logger = new Logger('CsvReport');

/**
 * Streams `rows` as RFC 4180 CSV (header row, CRLF line ends, fields with a comma, quote, CR or
 * LF quoted, quotes doubled) without holding the file in memory: rows are produced as the
 * client reads. The first row is produced before anything is sent, so a bad query or a store
 * outage still gets a normal JSON error; later failures can only cut the download short, and
 * are logged.
 */
export async function csvFile<T extends object>(
  rows: AsyncIterable<T>,
  columns: CsvColumn<T>[],
  filename: string,
): Promise<StreamableFile> {
  const iterator = rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* all(): AsyncGenerator<T> {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield next.value;
      }
    } finally {
      // The client went away (or the stream failed): stop reading the store.
      await iterator.return?.();
    }
  }
  const csv = stringify({
    header: true,
    columns,
    record_delimiter: 'windows',
    // By default only the record delimiter (CRLF) triggers quoting; a lone LF or CR must too.
    quoted_match: /[\r\n]/,
  });
  pipeline(Readable.from(all()), csv, (error) => {
    if (error) logger.error({ err: error, filename }, `CSV report ${filename} failed mid-stream`);
  });
  const file = new StreamableFile(csv, {
    type: 'text/csv; charset=utf-8',
    disposition: `attachment; filename="${filename}"`,
  });
  // Headers are gone by the time a row fails: all we can do is end the response early.
  file.setErrorHandler((_error, response) =>
    response.destroy ? response.destroy() : response.end(),
  );
  return file;
}
