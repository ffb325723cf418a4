"""LLM responders: Claude (`anthropic` SDK) or any OpenAI-compatible Chat Completions model
(`openai` SDK) leading the conversation through the same sales tools as the offline responder.

`responder.LLMResponder` runs the tool loop and the guards over a provider-neutral `ChatModel`
(`messages.py`); `claude.ClaudeModel` and `openai_chat.OpenAIChatModel` speak the two wire
formats. The SDKs are imported only by those two modules, and only when one is configured.
"""
