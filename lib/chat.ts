// A multi-turn chat held per VU: the history of user and model turns sent with each new message, reset
// after a number of turns or a failed turn. Pure, so the bodies are unit-tested under Node.

import type { Content, GenerateContentRequest } from "./gemini-types.ts";

/** The system instruction of every conversation. */
export const CHAT_INSTRUCTION =
  "You are a friendly support assistant for a photo-sharing app. Answer in a few short paragraphs and " +
  "remember what the user told you earlier in the conversation.";

/** What users say, in turn; a conversation walks them from its own offset. */
export const USER_MESSAGES: readonly string[] = [
  "Hi! I just signed up. How do I make my albums private?",
  "Thanks. Can people I shared an album with still see it after that?",
  "What happens to the comments on a photo when I delete it?",
  "I uploaded the same photo twice by mistake. Is there a way to find duplicates?",
  "My uploads from the phone app are slow on mobile data. Any tips?",
  "Can I export everything, including the album structure, if I leave?",
  "Is there a size limit for videos?",
  "Summarise what we talked about so far in three bullet points.",
];

/** One conversation: its history, and how many turns it has had. */
export class Conversation {
  private history: Content[] = [];
  private turn = 0;

  constructor(
    private readonly maxTurns: number,
    private readonly offset: number,
  ) {}

  /** The 1-based number of the turn the next request is. */
  get nextTurn(): number {
    return this.turn + 1;
  }

  /** The body of the next turn: the system instruction, the history and the next user message. */
  nextRequest(generationConfig: GenerateContentRequest["generationConfig"]): string {
    const message = USER_MESSAGES[(this.offset + this.turn) % USER_MESSAGES.length] as string;
    const contents: Content[] = [...this.history, { role: "user", parts: [{ text: message }] }];
    const body: GenerateContentRequest = { systemInstruction: { parts: [{ text: CHAT_INSTRUCTION }] }, contents };
    if (generationConfig !== undefined) body.generationConfig = generationConfig;
    return JSON.stringify(body);
  }

  /** Records the answer to the turn just sent; after the last turn the next one starts a new conversation. */
  answered(answer: string): void {
    const message = USER_MESSAGES[(this.offset + this.turn) % USER_MESSAGES.length] as string;
    this.history.push({ role: "user", parts: [{ text: message }] }, { role: "model", parts: [{ text: answer }] });
    this.turn++;
    if (this.turn >= this.maxTurns) this.reset();
  }

  /** A failed turn ends the conversation: a user whose message got no answer starts again. */
  reset(): void {
    this.history = [];
    this.turn = 0;
  }
}
