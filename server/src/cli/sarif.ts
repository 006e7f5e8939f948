/** SARIF 2.1.0 output: one run, one result per finding, the proof as a codeFlow. */
import { RULES } from '../review/analyze';
import type { Review } from '../review/types';

type Json = Record<string, unknown>;

function level(severity: string): string {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

export function toSarif(reviews: readonly { file: string; review: Review }[]): Json {
  const results: Json[] = [];
  for (const { file, review } of reviews) {
    for (const f of review.findings) {
      const location = f.patchLine !== null
        ? { physicalLocation: { artifactLocation: { uri: file }, region: { startLine: f.patchLine + 1 } } }
        : { physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: f.sourceLine } } };
      results.push({
        ruleId: f.rule,
        level: level(f.severity),
        message: { text: `${f.verdict} (${f.configs.join(', ')}): ${f.message}` },
        locations: [location],
        properties: { verdict: f.verdict, configs: f.configs, function: f.function, sourceLine: f.sourceLine },
        codeFlows: [{
          threadFlows: [{
            locations: f.trace.map((t) => ({
              location: { physicalLocation: { artifactLocation: { uri: t.file }, region: { startLine: t.line } }, message: { text: `[${t.context}] ${t.text}` } },
            })),
          }],
        }],
      });
    }
    for (const p of review.problems) {
      results.push({ ruleId: p.code, level: level(p.severity), message: { text: p.message }, locations: [{ physicalLocation: { artifactLocation: { uri: file }, region: { startLine: p.line + 1 } } }] });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'kcov-review', informationUri: 'https://github.com/kcov-review/kcov-review', rules: RULES.map((r) => ({ id: r.id, shortDescription: { text: r.title }, helpUri: `https://github.com/kcov-review/kcov-review/blob/main/docs/rules/${r.id}.md` })) } },
      results,
    }],
  };
}
