package dev.aichatroom.ai;

/** What the assistant says in the room's system notices; Chinese by default, English with {@code CHAT_LANGUAGE=en}. */
record Texts(boolean english) {
    static Texts of(String language) {
        return new Texts(language.startsWith("en"));
    }

    /** Said privately to the asker, whose question is already in the room. */
    String busy(String name) {
        return english
                ? name + " is busy with other questions; please ask again in a moment."
                : name + "正忙（提问太多），请稍后再问。";
    }

    /** No server path in a room notice: where the model goes is in the log. */
    String downloading(String model) {
        return english
                ? "Downloading the local model " + model + " (first use only); the answer follows."
                : "正在下载本地模型 " + model + "（仅首次使用），下载完成后回答。";
    }

    String failed(String asker, String name, AiException e) {
        String reason = reason(e);
        return english ? name + " could not answer @" + asker + ": " + reason : name + "无法回答 @" + asker + "：" + reason;
    }

    /**
     * Why there is no reply, in plain words: made from the kind of failure, the provider's HTTP status and the limit
     * that was hit, never from an exception's text (which names library classes, e.g. a JSON parser's).
     */
    String reason(AiException e) {
        return english ? reasonEn(e) : reasonZh(e);
    }

    private static String reasonZh(AiException e) {
        String status = e.status().isPresent() ? "（HTTP " + e.status().getAsInt() + "）" : "";
        String seconds = e.limit().map(l -> String.valueOf(l.toSeconds())).orElse("");
        return switch (e.kind()) {
            case RATE_LIMITED -> "模型服务限流" + status + "，请稍后再试。";
            case UNAUTHORIZED -> "模型服务拒绝了 API 密钥" + status + "，请管理员检查 AI_API_KEY。";
            case PROVIDER_ERROR -> status.isEmpty() ? "模型服务出错（连接失败或返回了无法识别的内容），请稍后再试。" : "模型服务出错" + status + "，请稍后再试。";
            case BAD_REQUEST -> "模型服务拒绝了请求" + status + "，请管理员检查 AI_MODEL 和 AI_BASE_URL。";
            case NO_FIRST_TOKEN -> seconds.isEmpty() ? "模型服务响应超时，请稍后再试。" : "模型服务响应超时（" + seconds + " 秒内没有开始回答），请稍后再试。";
            case TIMEOUT -> seconds.isEmpty() ? "模型服务响应超时，请稍后再试。" : "回复超时（超过 " + seconds + " 秒），请重新提问。";
            case STALLED -> "回复中途中断（模型服务 " + seconds + " 秒没有继续输出），请重新提问。";
            case INTERRUPTED -> "回复中途中断，请重新提问。";
            case PAUSED -> "模型服务连续出错，助手暂停调用它约 " + seconds + " 秒，请稍后再试。";
            case UNAVAILABLE -> e.getMessage();
            case STOPPED -> "服务正在停止。";
        };
    }

    private static String reasonEn(AiException e) {
        String status = e.status().isPresent() ? " (HTTP " + e.status().getAsInt() + ")" : "";
        String seconds = e.limit().map(l -> String.valueOf(l.toSeconds())).orElse("");
        return switch (e.kind()) {
            case RATE_LIMITED -> "the model service is rate limiting" + status + "; try again later.";
            case UNAUTHORIZED ->
                "the model service refused the API key" + status + "; the operator should check AI_API_KEY.";
            case PROVIDER_ERROR ->
                status.isEmpty()
                        ? "the model service could not be reached or sent an answer that could not be read; try again"
                                + " later."
                        : "the model service failed" + status + "; try again later.";
            case BAD_REQUEST ->
                "the model service refused the request" + status
                        + "; the operator should check AI_MODEL and AI_BASE_URL.";
            case NO_FIRST_TOKEN ->
                seconds.isEmpty()
                        ? "the model service timed out; try again later."
                        : "the model service did not start answering within " + seconds + " s; try again later.";
            case TIMEOUT ->
                seconds.isEmpty()
                        ? "the model service timed out; try again later."
                        : "the reply took longer than " + seconds + " s; please ask again.";
            case STALLED -> "the model service stopped writing for " + seconds + " s; please ask again.";
            case INTERRUPTED -> "the reply broke off; please ask again.";
            case PAUSED ->
                "the model service failed repeatedly, so the assistant does not call it for about " + seconds
                        + " s; try again later.";
            case UNAVAILABLE -> e.getMessage();
            case STOPPED -> "the service is stopping.";
        };
    }

    String noAnswer(String asker, String name) {
        return english ? name + " had no answer for @" + asker + "." : name + "没有回答 @" + asker + " 的问题（模型返回了空内容）。";
    }

    /**
     * For the room: the local model's process stopped unexpectedly.
     *
     * @param seconds when it may start again; 0 when at once
     */
    String localModelStopped(long seconds) {
        if (english) {
            return "the local model stopped unexpectedly; it starts again "
                    + (seconds > 0 ? "in about " + seconds + " s." : "at the next question.");
        }
        return "本地模型意外停止；" + (seconds > 0 ? "约 " + seconds + " 秒后" : "下一个问题时") + "会重新启动。";
    }

    /** Why a local model is not available, in plain words (the exception goes to the log). */
    String cannotLoad(boolean io) {
        if (io) {
            return english ? "its files could not be read or downloaded" : "模型文件无法读取或下载";
        }
        return english ? "its files could not be loaded as a model" : "模型文件无法加载";
    }

    /** For the room: what happened, without the server's paths or setup steps ({@link #modelSetup} has them). */
    String modelMissing(String model, String why) {
        return english
                ? "the local model " + model + " is not available (" + why + "); the operator finds what to do in the"
                        + " server log and /health."
                : "本地模型 " + model + " 不可用（" + why + "）；管理员可在服务日志和 /health 中查看处理方法。";
    }

    /** For the log and /health. */
    static String modelSetup(String model, String dir) {
        return "put the files of " + model + " (config.json, tokenizer.json, tokenizer_config.json,"
                + " model.safetensors and an empty .finished file) in " + dir
                + ", or set AI_PROVIDER and AI_API_KEY to use a remote model";
    }
}
