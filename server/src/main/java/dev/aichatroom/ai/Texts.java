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

    String downloading(String model, String dir) {
        return english
                ? "Downloading the local model " + model + " to " + dir + " (first use only); the answer follows."
                : "正在下载本地模型 " + model + " 到 " + dir + "（仅首次使用），下载完成后回答。";
    }

    String failed(String asker, String name, AiException e) {
        String reason = english ? reasonEn(e) : reasonZh(e);
        return english ? name + " could not answer @" + asker + ": " + reason : name + "无法回答 @" + asker + "：" + reason;
    }

    private static String reasonZh(AiException e) {
        return switch (e.kind()) {
            case RATE_LIMITED -> "模型服务限流（" + e.getMessage() + "），请稍后再试。";
            case UNAUTHORIZED -> "模型服务拒绝了 API 密钥（" + e.getMessage() + "），请管理员检查 AI_API_KEY。";
            case PROVIDER_ERROR -> "模型服务出错（" + e.getMessage() + "），请稍后再试。";
            case BAD_REQUEST -> "模型服务拒绝了请求（" + e.getMessage() + "），请管理员检查 AI_MODEL 和 AI_BASE_URL。";
            case NO_FIRST_TOKEN, TIMEOUT -> "模型服务响应超时（" + e.getMessage() + "），请稍后再试。";
            case INTERRUPTED -> "回复中途中断（" + e.getMessage() + "），请重新提问。";
            case UNAVAILABLE -> e.getMessage();
            case STOPPED -> "服务正在停止。";
        };
    }

    private static String reasonEn(AiException e) {
        return switch (e.kind()) {
            case RATE_LIMITED -> "the model service is rate limiting (" + e.getMessage() + "); try again later.";
            case UNAUTHORIZED ->
                "the model service refused the API key (" + e.getMessage() + "); the operator should check AI_API_KEY.";
            case PROVIDER_ERROR -> "the model service failed (" + e.getMessage() + "); try again later.";
            case BAD_REQUEST ->
                "the model service refused the request (" + e.getMessage()
                        + "); the operator should check AI_MODEL and AI_BASE_URL.";
            case NO_FIRST_TOKEN, TIMEOUT -> "the model service timed out (" + e.getMessage() + "); try again later.";
            case INTERRUPTED -> "the reply broke off (" + e.getMessage() + "); please ask again.";
            case UNAVAILABLE -> e.getMessage();
            case STOPPED -> "the service is stopping.";
        };
    }

    String noAnswer(String asker, String name) {
        return english ? name + " had no answer for @" + asker + "." : name + "没有回答 @" + asker + " 的问题（模型返回了空内容）。";
    }

    String vectorMissing() {
        return english
                ? "The local model needs the JVM option --add-modules jdk.incubator.vector (e.g. JDK_JAVA_OPTIONS="
                        + "\"--add-modules jdk.incubator.vector\"); or set AI_PROVIDER and AI_API_KEY to use a remote"
                        + " model."
                : "本地模型需要以 JVM 参数 --add-modules jdk.incubator.vector 启动（例如 JDK_JAVA_OPTIONS=\"--add-modules"
                        + " jdk.incubator.vector\"）；或设置 AI_PROVIDER 和 AI_API_KEY 改用远程模型。";
    }

    String modelMissing(String model, String dir, String why) {
        return english
                ? "the local model " + model + " is not available (" + why + "). Put its files (config.json,"
                        + " tokenizer.json, tokenizer_config.json, model.safetensors and an empty .finished file) in "
                        + dir
                        + ", or set AI_PROVIDER and AI_API_KEY to use a remote model."
                : "本地模型 " + model + " 不可用（" + why + "）。请把模型文件（config.json、tokenizer.json、"
                        + "tokenizer_config.json、model.safetensors 和一个空的 .finished 文件）放到 " + dir
                        + "，或设置 AI_PROVIDER 和 AI_API_KEY"
                        + " 改用远程模型。";
    }
}
