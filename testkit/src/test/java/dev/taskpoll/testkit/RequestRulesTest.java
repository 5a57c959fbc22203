package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every documented request rule, one violating and one valid request each, plus the documentation's own examples.
 * A row: create path | body | the start of the expected complaint ("ok" when valid).
 */
class RequestRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // Sora
            "/v1/sora/videos | {'model':'openAiSora2Pro','prompt':'p','duration':8,'size':'1280x720'} | ok",
            "/v1/sora/videos | {'model':'sora-2','prompt':'p'} | model: 'sora-2' is not one of",
            "/v1/sora/videos | {'model':'openAiSora2Plus','prompt':'p','duration':10} | duration: 10 is not one of [4, 8, 12]",
            "/v1/sora/videos | {'model':'openAiSora2Plus','prompt':'p','duration':4,'seconds':4} | duration, seconds: send only one",
            "/v1/sora/videos | {'model':'openAiSora2Plus','prompt':'p','size':'720x1280','aspect_ratio':'9:16'} | size, aspect_ratio: send only one",
            "/v1/sora/videos | {'model':'openAiSora2Plus','prompt':'p','size':'1920x1080'} | size: '1920x1080' is not one of",
            "/v1/sora/videos | {'model':'openAiSora2Plus','prompt':'p','input_reference':['a','b']} | input_reference: 2 items; at most 1",
            "/v1/sora/videos | {'model':'openAiSora2Plus','prompt':'p','input_reference':['a'],'image_urls':['b']} | input_reference, image_urls: send only one",
            // VEO
            "/v1/veo/videos | {'model':'veo_3_1_fast','prompt':'p','resolution':'4k','aspect_ratio':'16:9'} | ok",
            "/v1/veo/videos | {'model':'veo_3_1_pro_stable','prompt':'p','resolution':'4K'} | resolution: '4K' is not allowed",
            "/v1/veo/videos | {'model':'veo_3_1_fast','prompt':'p','aspect_ratio':'16:9-1080p'} | aspect_ratio: '16:9-1080p' is not one of",
            "/v1/veo/videos | {'model':'veo_3_1_fast','prompt':'p','image_urls':['a','b','c','d']} | image_urls: 4 items; at most 3",
            "/v1/veo/videos | {'model':'veo_3_1_fast_stable','prompt':'p','image_urls':['a']} | image_urls: must not be sent",
            "/v1/veo/videos | {'model':'veo_3_1_pro','prompt':'p','first_image':'a','image_urls':['b']} | first_image, image_urls: frame mode and reference mode",
            "/v1/veo/videos | {'model':'veo_3_1_pro','prompt':'p','last_image':'a'} | last_image: requires first_image",
            // Seedance 1.5
            "/v1/seedance/videos | {'model':'seedance_1_5_pro_720p','content':[{'type':'text','text':'p'},{'type':'image_url','image_url':{'url':'u'}}],'ratio':'adaptive','duration':-1} | ok",
            "/v1/seedance/videos | {'model':'seedance_1_5_pro_720p','content':[{'type':'image_url','image_url':{'url':'u'}}]} | content: must hold at least one text item",
            "/v1/seedance/videos | {'model':'seedance_1_5_pro_720p','content':[{'type':'text','text':'p'}],'duration':3} | duration: 3 must be an integer from 4 to 12, or -1",
            "/v1/seedance/videos | {'model':'seedance_1_5_pro_720p','content':[{'type':'text','text':'p'}],'ratio':'2:1'} | ratio: '2:1' is not one of",
            "/v1/seedance/videos | {'model':'seedance_1_5_pro_720p','content':[{'type':'text','text':'p'},{'type':'image_url','image_url':{'url':'u'},'role':'middle'}]} | content[].role: 'middle'",
            "/v1/seedance/videos | {'model':'seedance_1_5_pro_720p','content':[{'type':'text','text':'p'}],'generate_audio':'yes'} | generate_audio: \"yes\" must be true or false",
            // Seedance 2.0
            "/v1/kyyvideo2/videos | {'model':'seedance_2_0_fast','prompt':'p','referenceVideos':['asset://a'],'duration':15,'generateAudio':true} | ok",
            "/v1/kyyvideo2/videos | {'model':'seedance_2_0','prompt':'p'} | referenceVideos: at least 1 required",
            "/v1/kyyvideo2/videos | {'model':'seedance_2_0_pro','prompt':'p','duration':16} | duration: 16 must be an integer from 4 to 15",
            "/v1/kyyvideo2/videos | {'model':'seedance_2_0_pro','prompt':'p','first_image':'a','referenceImages':['b']} | first_image, referenceImages: frame mode",
            "/v1/kyyvideo2/videos | {'model':'seedance_2_0_pro','prompt':'p','last_image':'a'} | last_image: requires first_image",
            // Vidu
            "/v1/vidu/videos | {'model':'viduq3-turbo','prompt':'p','duration':16,'aspect_ratio':'3:4','resolution':'1080p'} | ok",
            "/v1/vidu/videos | {'model':'viduq3-pro','prompt':'p','duration':17} | duration: 17 must be a number from 1.0 to 16.0",
            "/v1/vidu/videos | {'model':'viduq3-pro','prompt':'p','resolution':'4k'} | resolution: '4k' is not one of",
            "/v1/vidu/videos | {'model':'viduq3-pro','prompt':'p','last_image':'b'} | last_image: requires first_image",
            // Grok
            "/v1/grok/videos | {'model':'grok_video3','prompt':'p','duration':30,'aspect_ratio':'2:3'} | ok",
            "/v1/grok/videos | {'model':'grok_video3','prompt':'p','duration':31} | duration: 31 must be an integer from 6 to 30",
            "/v1/grok/videos | {'model':'grok_video3_pro','prompt':'p','duration':10} | duration: must not be sent",
            "/v1/grok/videos | {'model':'grok_video3_max','prompt':'p','duration':8} | duration: 8 is not one of [6, 10, 12, 16, 20, 30]",
            "/v1/grok/videos | {'model':'grok_video3_max','prompt':'p','image_urls':['data:image/png;base64,AAA']} | image_urls: public URLs only",
            "/v1/grok/videos | {'model':'grok_video3_stable','prompt':'p','duration':6,'aspect_ratio':'3:2'} | ok",
            "/v1/grok/videos | {'model':'grok_video3','prompt':'p','image_urls':['a','b','c','d','e','f','g','h']} | image_urls: 8 items; at most 7",
            // StarVideos
            "/v1/starvideos/videos | {'model':'starvideos_o3','prompt':'p','duration':3,'ratio':'9:16'} | ok",
            "/v1/starvideos/videos | {'model':'starvideos_v3','prompt':'p'} | model: 'starvideos_v3' is not one of",
            "/v1/starvideos/videos | {'model':'starvideos_o3','prompt':'p','referenceVideos':['v'],'referenceImages':['1','2','3','4','5']} | referenceImages: 5 items; at most 4",
            "/v1/starvideos/videos | {'model':'starvideos_o3','prompt':'p','first_image':'a'} | first_image, last_image: must be sent together",
            // Videos
            "/v1/videos/videos | {'model':'videos_fast','prompt':'p','duration':4,'ratio':'1:1','resolution':'720p'} | ok",
            "/v1/videos/videos | {'model':'videos','prompt':'p'} | duration: is required",
            "/v1/videos/videos | {'model':'videos','prompt':'p','duration':5,'resolution':'1080p'} | resolution: '1080p' is not one of [720p]",
            "/v1/videos/videos | {'model':'videos','prompt':'p','duration':5,'image':'a','referenceImages':['b']} | image, referenceImages: frame mode",
            "/v1/videos/videos | {'model':'videos','prompt':'p','duration':5,'lastFrameImage':'a'} | lastFrameImage: requires image",
            // SD2 Manxue
            "/v1/sd2_manxue/videos | {'model':'sd2_manxue_video_720p','prompt':'p','referenceVideos':['v'],'referenceImages':['1','2','3','4','5','6','7','8','9']} | ok",
            "/v1/sd2_manxue/videos | {'model':'sd2_manxue_720p','prompt':'p','referenceVideos':['v']} | model: 'sd2_manxue_720p' cannot take referenceVideos",
            "/v1/sd2_manxue/videos | {'model':'sd2_manxue_720p','prompt':'p','first_image':'a','image':'b'} | first_image, image: parameter conflict",
            "/v1/sd2_manxue/videos | {'model':'sd2_manxue_720p','prompt':'p','first_image':'a','image':'a'} | ok",
            "/v1/sd2_manxue/videos | {'model':'sd2_manxue_720p','prompt':'p','lastFrameImage':'a'} | lastFrameImage: requires one of",
            "/v1/sd2_manxue/videos | {'model':'sd2_manxue_video_720p','prompt':'p','referenceVideos':['1','2','3','4']} | referenceVideos: 4 items; at most 3",
            // Nano Banana: its documented example sends nano-banana-2 with 2k
            "/v1/banana/images | {'model':'nano-banana-2','prompt':'p','resolution':'2k','size':'16:9'} | ok",
            "/v1/banana/images | {'model':'nano-banana','prompt':'p','resolution':'4k'} | resolution: '4k' is not allowed",
            "/v1/banana/images | {'model':'nano-banana-pro','prompt':'p','size':'1024x1024'} | size: '1024x1024' is not one of",
            "/v1/banana/images | {'model':'nano-banana-pro','prompt':'p','image_urls':['1','2','3','4','5','6','7']} | image_urls: 7 items; at most 6",
            // GPT Image 2
            "/v1/image2/images | {'model':'gpt-image-2','prompt':'p','quality':'high','ratio':'9:21','resolution':'4k'} | ok",
            "/v1/image2/images | {'model':'gpt-image-2','prompt':'p','resolution':'2k'} | resolution: requires ratio",
            "/v1/image2/images | {'model':'gpt-image-2-r','prompt':'p','ratio':'1:1','resolution':'2k'} | resolution: '2k' is not one of [1k]",
            "/v1/image2/images | {'model':'gpt-image-2','prompt':'p','quality':'ultra'} | quality: 'ultra' is not one of",
            // generic task dialect (the ElkAPI example)
            "/v1/task/submit | {'model':'kling-v3/text-to-video','input':{'prompt':'p','duration':'5','aspect_ratio':'16:9'},'callback_url':'https://your-server/webhook/task'} | ok",
            "/v1/task/submit | {'model':'kling-v2','input':'p'} | input: is required",
            "/v1/task/submit | {'model':'kling-v2','input':{},'callback_url':'ftp://x'} | callback_url: 'ftp://x' must be an http(s) URL",
    })
    void documentedRules(String path, String body, String expected) throws Exception {
        String problem = RequestRules.check(SimFamily.byPath(path), JSON.readTree(body.replace('\'', '"')));
        if (expected.equals("ok")) {
            assertThat(problem).isNull();
        } else {
            assertThat(problem).isNotNull().startsWith(expected);
        }
    }
}
