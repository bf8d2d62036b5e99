import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import type { ChatMessage } from '../types/index.js';

/**
 * The AI SDK's prompt as the engine's chat messages, which the target's chat template renders. System messages
 * stay system messages; the text parts of a user or assistant message are joined as they are. Anything else
 * (files and images, tool calls and results, reasoning, provider-specific parts) cannot reach a text-only model:
 * it is refused with a RangeError that names the part and the message, rather than dropped.
 */
export function chatMessagesOfPrompt(prompt: LanguageModelV4Prompt): ChatMessage[] {
  return prompt.map((message, index) => {
    if (message.role === 'system') return { role: 'system', content: message.content };
    if (message.role === 'tool') throw unsupportedContent(`a tool message (prompt[${index}])`);
    const texts = message.content.map((part) => {
      if (part.type === 'text') return part.text;
      throw unsupportedContent(`${part.type === 'file' ? `a file part (${part.mediaType})` : `a ${part.type} part`} in the ${message.role} message prompt[${index}]`);
    });
    return { role: message.role, content: texts.join('') };
  });
}

function unsupportedContent(what: string): RangeError {
  return new RangeError(`${what} is not supported by the speculo provider: the engine reads and writes plain text (no files, tool calls, tool results or reasoning)`);
}
