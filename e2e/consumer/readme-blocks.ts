/**
 * The README's checked blocks: a fenced block right after a `<!-- readme-check: NAME -->` marker. The consumer test
 * runs them as written, so what a reader copies is what CI proves.
 */

/** The body of the fenced block (```LANG) that immediately follows `<!-- readme-check: NAME -->`. */
export function readmeBlock(readme: string, name: string, lang: string): string {
  const marker = `<!-- readme-check: ${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no "${marker}" marker`);
  if (readme.indexOf(marker, at + marker.length) >= 0) throw new Error(`README.md has "${marker}" twice`);
  const rest = readme.slice(at + marker.length).replace(/\r\n/g, '\n');
  const fence = new RegExp('^[ \\t]*\\n```' + lang + '[ \\t]*\\n([\\s\\S]*?)\\n```[ \\t]*(\\n|$)');
  const match = fence.exec(rest);
  if (!match) throw new Error(`README.md: "${marker}" must be followed at once by a \`\`\`${lang} fenced block`);
  return `${match[1]}\n`;
}

/**
 * Splits a shell block into the commands a reader would paste one by one: blank lines and comments dropped,
 * backslash continuations joined, a here-document kept with its command.
 */
export function shellCommands(block: string): string[] {
  const lines = block.split('\n');
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let command = lines[i] ?? '';
    if (command.trim() === '' || command.trim().startsWith('#')) continue;
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1)}${lines[++i] ?? ''}`;
    const heredoc = /<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(command);
    if (heredoc) {
      const [, dash, , word] = heredoc;
      const body: string[] = [];
      while (i + 1 < lines.length) {
        const line = lines[++i] ?? '';
        body.push(line);
        if ((dash ? line.replace(/^\t+/, '') : line) === word) break;
      }
      command = [command, ...body].join('\n');
    }
    commands.push(command);
  }
  return commands;
}

const installPattern = /^\s*npm\s+(install|i|add)(\s|$)/;

/** Whether `command` is an `npm install` (or `npm i`, `npm add`). */
export function isNpmInstall(command: string): boolean {
  return installPattern.test(command);
}

/**
 * The README's `npm install … speculo …` with the package name (and any `@version` after it) replaced by the packed
 * tarball, plus flags that keep the run on npm's cache and quiet. Throws when the command does not install speculo.
 */
export function installFromTarball(command: string, tarball: string): string {
  if (!isNpmInstall(command)) throw new Error(`not an npm install: ${command}`);
  let replaced = 0;
  const rewritten = command.replace(/(?<=\s)speculo(@\S+)?(?=\s|$)/g, () => {
    replaced++;
    return `'${tarball.replace(/'/g, `'\\''`)}'`;
  });
  if (replaced !== 1) throw new Error(`expected the word "speculo" once in the README's install command, found it ${replaced} times: ${command}`);
  return `${rewritten} --prefer-offline --no-audit --no-fund`;
}
