/** The source stage: #if resolution, parsing and function indexing per configuration. */
export type { ConfigView, FunctionInfo, MacroDef, PreprocessorProblem } from './types';
export { initParser, isParserReady, parseC, parseCount, locateWasm, type InitOptions } from './parser';
export { preprocess, scanDirectives, parseDefine, type Directive, type PreprocessResult, type SymbolTable } from './preprocess';
export { blankAnnotations, type BlankedToken, type BlankedKind } from './annotations';
export { buildView, buildViews, functionAt, sourceImage, walk, errorLines, declaratorName, indexFunctions, viewCodeKey, viewMovableKey, type MovableCodeKey } from './views';
