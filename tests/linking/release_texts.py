"""Release texts the linking tests share: one rail story in Chinese and English, and a
release that names a member but follows up nothing."""

RAIL_ZH = (
    "沪苏湖铁路全线铺轨贯通",
    "沪苏湖铁路连接上海、江苏和浙江，将织密长三角高铁网络。2024年共投资120亿元，设站12座。",
)
RAIL_EN = (
    "Shanghai-Suzhou-Huzhou railway completes track laying",
    "The Shanghai-Suzhou-Huzhou railway links Shanghai, Jiangsu and Zhejiang and densifies the "
    "Yangtze River Delta high-speed network. Investment in 2024 was 12 billion yuan "
    "for 12 stations.",
)
WEATHER = ("Sunny weekend in Shanghai", "Forecasters expect sunshine in Shanghai this weekend.")
