// Run the practice page's answer parser (templates/html/practice.js) on cases read from stdin as JSON
// [{kind, text, expected}], printing one result per case: {blank} | {problem, token} | {value}.
const { parse } = require("../templates/html/practice.js");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ kind, text, expected }) => {
    const result = parse(kind, text, expected);
    if (result.blank) return { blank: true };
    if (result.malformed) return { problem: result.problem, token: result.token };
    return { value: result.value };
  });
  process.stdout.write(JSON.stringify(results));
});
