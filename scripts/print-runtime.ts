// Prints the Node.js that runs the test suite: the repo pins Node 24 through the `node` devDependency,
// even on machines whose own Node is older.
const major = Number(process.versions.node.split('.')[0]);
console.log(`node ${process.version} (${process.platform}-${process.arch})`);
if (major < 24) {
  console.error(
    `modelhub needs Node 24 for its scripts, got ${process.version}. Run "npm ci" to install the pinned one.`,
  );
  process.exit(1);
}
