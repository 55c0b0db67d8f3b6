export type { Ast, Bound } from './ast.js';
export { compileLogQuery, likePattern, type CompiledWhere } from './compile.js';
export { parseDateSpan, type DateSpan } from './dates.js';
export { LogQueryError } from './errors.js';
export { tokenize, type Token } from './lexer.js';
export { MAX_QUERY_LENGTH, parseLogQuery } from './parser.js';
export {
  DEFAULT_PER_PAGE, DEFAULT_TAKE, MAX_PER_PAGE, MAX_SEARCH_RESULTS, MAX_TAKE, buildLogGet, buildLogsCount, buildLogsSelect,
  buildLogsExportPage, buildLogsTailPage, buildTailCursorOf, isCheckpointMode, TAIL_START_QUERY, type BuiltQuery, type LogsSelectOptions,
  type TailCursor,
} from './select.js';
export {
  AUTO_MAX_BUCKETS, HISTOGRAM_INTERVALS, MAX_BUCKETS, buildLogsHistogram, buildLogsSpan, checkInterval, chooseInterval, toHistogramBuckets,
  type HistogramBucket, type HistogramInterval,
} from './histogram.js';
