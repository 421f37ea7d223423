// The smallest chorebot script: top-level code runs once, output lands in the run log.
const greeting: string = `hello from chorebot on ${process.platform}, node ${process.version}`;
console.log(greeting);
console.error("stderr is captured too, in order, with timestamps");
