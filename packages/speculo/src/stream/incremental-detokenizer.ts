/**
 * Turns a growing list of token ids into text deltas. Byte-level tokenizers split multi-byte characters across
 * tokens, and decoding a suffix alone can differ from decoding it in context (leading spaces, merges), so each
 * delta is the difference between decoding a short window with and without the new tokens, the method of Hugging
 * Face's text-generation-inference (`decode_token` with prefix and read offsets). Cost stays constant per token.
 */
export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly decode: (ids: number[]) => string) {}

  /** Appends one token and returns the text it completes ('' while a character is still incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const fullText = this.decode(this.ids.slice(this.prefixOffset));
    if (fullText.length > prefixText.length && !fullText.endsWith('\uFFFD')) {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return fullText.slice(prefixText.length);
    }
    return '';
  }

  /** Text still held back at the end (e.g. an unfinished character), decoded as is. */
  flush(): string {
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const fullText = this.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return fullText.slice(prefixText.length);
  }
}
