// Run the practice page's answer parser (templates/html/practice.js) on cases read from stdin as JSON
// [{kind, text, expected}], printing one result per case: {blank} | {problem, token} | {value}. A case with a
// question ({text, question}) is graded instead: {status, credit, partsRight, parts, mistakes}.
const { parse, mark } = require("../../templates/html/practice.js");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ kind, text, expected, question }) => {
    if (question) {
      const verdict = mark(question, text);
      return { status: verdict.status, credit: verdict.credit, partsRight: verdict.partsRight || 0,
        parts: verdict.parts || 0, mistakes: verdict.mistakes };
    }
    const result = parse(kind, text, expected);
    if (result.blank) return { blank: true };
    if (result.malformed) return { problem: result.problem, token: result.token };
    return { value: result.value };
  });
  process.stdout.write(JSON.stringify(results));
});
