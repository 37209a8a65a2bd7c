// Parse a GIFT file with gift-pegjs (the reference GIFT grammar) and print the questions as JSON.
const fs = require("fs");
const { parse } = require("gift-pegjs");
process.stdout.write(JSON.stringify(parse(fs.readFileSync(process.argv[2], "utf8"))));
