// Writes data/moderation-posts.json: labeled social-media-style posts written for this project.
// Hand-written templates and fragments, combined by a seeded PRNG so the file is reproducible: node data/generate-posts.mjs

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PER_LABEL = 60;

// Each template is [text with {slots}, slot lists]; every label mixes one-liners and multi-sentence posts.
const templates = {
  clean: [
    [
      "My cat just knocked {thing} off the table while staring me dead in the eyes. I could murder a pizza right now, long day.",
      { thing: ["a full glass of water", "my keys", "a plant"] },
    ],
    [
      "Shoutout to the library for the free {thing} workshop. Learned so much and met lovely people.",
      { thing: ["coding", "knitting", "CV writing", "photography"] },
    ],
    [
      "Just finished {thing} and honestly {feeling}.",
      {
        thing: [
          "my first half marathon",
          "painting the spare room",
          "a 1,000-piece puzzle",
          "the last season of that show",
          "my tax return",
          "a week of meal prep",
        ],
        feeling: ["I feel amazing", "I need a nap", "I'm weirdly proud", "I want to do it again", "my back hurts"],
      },
    ],
    [
      "Does anyone know a good {shop} near {place}? Ours closed last month.",
      {
        shop: ["bike repair shop", "bakery", "vet", "used bookstore", "tailor"],
        place: ["the station", "Elm Street", "the old market", "campus", "the river path"],
      },
    ],
    [
      "{opener} the sunset over {place} tonight was unreal. Sharing a photo later!",
      {
        opener: ["Wow,", "Not gonna lie,", "Okay,", "Honestly,"],
        place: ["the harbour", "the hills", "the parking lot of all places", "the lake"],
      },
    ],
    [
      "Recipe tip: add {extra} to your {dish}. Thank me later.",
      {
        extra: ["a pinch of smoked paprika", "lemon zest", "a spoon of miso", "toasted sesame seeds", "fresh basil"],
        dish: ["tomato soup", "scrambled eggs", "roast potatoes", "banana bread", "pasta sauce"],
      },
    ],
    [
      "Our {team} won {score} today! So proud of every kid on that field.",
      {
        team: ["under-10 soccer team", "school robotics club", "little league team", "netball squad"],
        score: ["3-1", "on penalties", "the regional final", "for the first time this season"],
      },
    ],
    [
      "Reminder that the {event} is this {day} at {time}. Bring a chair and snacks to share.",
      {
        event: ["community cleanup", "book swap", "street party", "garden open day", "charity quiz"],
        day: ["Saturday", "Sunday", "Friday evening"],
        time: ["10am", "2pm", "6:30"],
      },
    ],
    [
      "{thing} is back in stock at the corner shop. This is not a drill.",
      { thing: ["The good oat milk", "Rhubarb yoghurt", "The spicy crisps", "Sourdough"] },
    ],
    ["Anyone else's {device} doing a random update right when they need it? Classic.", { device: ["laptop", "phone", "smart TV", "car"] }],
    [
      "Happy birthday to my {person}! {age} years of {quality}. Love you loads.",
      {
        person: ["little sister", "grandad", "best friend", "partner", "dad"],
        age: ["Thirty", "Ninety", "Twelve", "Forty-five"],
        quality: ["bad jokes", "being the calmest person in the room", "terrible singing", "kindness"],
      },
    ],
    [
      "Hot take: {food} is better {when}.",
      { food: ["pizza", "curry", "lasagna", "chili"], when: ["the next day", "cold", "with too much cheese", "eaten on the sofa"] },
    ],
    ["I killed it in the gym today, new personal best on {lift}!", { lift: ["deadlift", "squats", "the rowing machine", "pull-ups"] }],
    [
      "This {game} boss absolutely destroyed me {count} times before I finally beat it.",
      { game: ["new RPG", "indie platformer", "soulslike"], count: ["twelve", "twenty", "forty"] },
    ],
    [
      "Moving house next week. {thought} If anyone has spare boxes, I will happily collect them.",
      {
        thought: [
          "How do I own this many mugs?",
          "Why did I keep every cable since 2009?",
          "Packing is a personality test and I'm failing.",
        ],
      },
    ],
    [
      "Thank you to the {helper} who {act}. Faith in humanity restored.",
      {
        helper: ["stranger on the bus", "neighbour", "barista", "delivery driver"],
        act: ["returned my wallet", "helped me carry the shopping upstairs", "found my lost cat", "paid for my coffee"],
      },
    ],
    [
      "Long post, sorry. After {years} years of working nights I finally switched to a day job. I'm sleeping properly, I see my kids at breakfast, and I actually remember what weekends feel like. If you're thinking about a change, this is your sign.",
      { years: ["six", "ten", "three"] },
    ],
  ],
  hate: [
    [
      "Why do we let {group} live here at all? They're vermin and contribute nothing.",
      { group: ["those migrants", "these foreigners", "people of that religion"] },
    ],
    [
      "Saw a {group} couple at the restaurant tonight and lost my appetite. Degenerates like them should stay out of sight.",
      { group: ["gay", "mixed-race", "foreign"] },
    ],
    [
      "Honestly {group} are subhuman, a disease on society. I said what I said.",
      { group: ["immigrants", "trans people", "those people", "foreigners"] },
    ],
    [
      "Long rant incoming. I'm tired of pretending. {group} are ruining this country, they're inferior and they'll never fit in. We need to deport every last one of them before it's too late. Go back to your country!",
      { group: ["Immigrants", "Migrants", "Foreigners"] },
    ],
    [
      "People like {group} don't belong here. Send them all back.",
      { group: ["them", "those immigrants", "that lot from overseas", "refugees"] },
    ],
    [
      "Never hire anyone from {group}. They're all lazy and dishonest, every single one.",
      { group: ["that ethnic group", "that religion", "those foreigners", "that community"] },
    ],
    [
      "{group} are subhuman and should be banned from our neighbourhood.",
      { group: ["Immigrants", "Those people", "Foreigners", "Members of that faith"] },
    ],
    [
      "Women don't belong here. They can't {task}, so keep them out of it.",
      { task: ["lead a company", "vote", "do science", "run anything important"] },
    ],
    [
      "I hate {group}. They ruin everything they touch and {end}.",
      {
        group: ["gay people", "disabled people", "immigrants", "people of that religion"],
        end: ["we should exterminate them", "they don't belong here", "we should get rid of them"],
      },
    ],
    [
      "Another {place} full of {group}. Disgusting vermin, the whole lot of them.",
      { place: ["street", "school", "town", "train carriage"], group: ["foreigners", "migrants", "those people"] },
    ],
    [
      "{group} shouldn't have the same rights as normal people. Degenerates, plain and simple.",
      { group: ["Trans people", "Disabled people", "Immigrants", "People of that faith"] },
    ],
    [
      "They are an inferior race and a plague. {coda}",
      { coda: ["Wake up people.", "Nobody wants to say it but I will.", "Our grandparents knew it."] },
    ],
    ["Keep your {religion} filth out of our schools. Your kind don't belong here.", { religion: ["religious", "foreign", "backward"] }],
    [
      "Funny how every problem in this city started when {group} moved in. Vermin. Ban them and watch crime disappear.",
      { group: ["the immigrants", "those migrants", "that group"] },
    ],
  ],
  harassment: [
    [
      "lol @{user} look at your face. no wonder nobody wants to date you, you ugly joke",
      { user: ["mikey_t", "anna.banana", "coolkid99", "jess_xo"] },
    ],
    [
      "Shut up {name}. Every time you talk the whole group chat cringes. You're a worthless idiot.",
      { name: ["Ben", "Chloe", "Aaron", "Sofia"] },
    ],
    [
      "{name}, I'm going to screenshot everything you post and send it to your boss. Enjoy being unemployed, loser.",
      { name: ["Lucy", "Omar", "Nina", "Jack"] },
    ],
    [
      "Reply to every post @{user} makes with clown emojis. Let's show that idiot nobody wants them here.",
      { user: ["bookish_bella", "runner_rick", "gardenlover"] },
    ],
    [
      "@{user} you are the dumbest person I have ever seen online. Log off, loser.",
      { user: ["jen_k", "marcus88", "the_real_tom", "sunnyday", "lena.writes"] },
    ],
    ["Nobody likes you, {name}. Everyone at school laughs at you behind your back.", { name: ["Sam", "Priya", "Jake", "Olivia", "Dev"] }],
    ["I know where you live, {name}. Keep posting and see what happens.", { name: ["Chris", "Maya", "Tyler", "Anna"] }],
    ["{name} is a pathetic, ugly idiot and I'll keep saying it until she quits.", { name: ["Kate", "Zoe", "Rachel", "Hannah"] }],
    [
      "Go cry about it, you worthless clown. {tail}",
      { tail: ["Nobody asked for your opinion.", "Everyone is sick of you.", "Do us all a favour and disappear."] },
    ],
    [
      "Everyone report that loser @{user}'s account and spam their DMs until they delete it. Make their life miserable.",
      { user: ["danny_b", "sarah.m", "art_by_lou", "kevin_plays"] },
    ],
    ["Imagine being as stupid and fat as {name}. Embarrassing.", { name: ["Ryan", "Mia", "that guy from accounting", "my ex"] }],
    ["Hey {name}, you're such a loser that even your mum is ashamed of you.", { name: ["Tom", "Becca", "Josh", "Leah"] }],
    [
      "Your art is garbage and so are you, @{user}. Pathetic. Quit before you embarrass yourself more.",
      { user: ["sketchy_sam", "paintbyholly", "drawwithdan"] },
    ],
    [
      "I'll keep making new accounts to message you, {name}. You can't block me forever. Shut up and stop posting, idiot.",
      { name: ["Ella", "Noah", "Grace", "Leo"] },
    ],
  ],
  violence: [
    [
      "I swear I'll {act} if he shows up at the {place} again.",
      { act: ["break his jaw", "shoot him", "kill him"], place: ["gym", "pub", "school gates"] },
    ],
    [
      "I'm going to {act} the next person who {trigger}.",
      {
        act: ["attack", "beat up", "stab", "shoot"],
        trigger: ["cuts in line", "parks in my spot", "talks to me like that", "touches my car"],
      },
    ],
    ["Someone should shoot {target}. I'd do it myself.", { target: ["that referee", "the mayor", "my landlord", "those protesters"] }],
    [
      "Bring {weapon} to the {place} on Friday. We attack at nine and make them bleed.",
      { weapon: ["bats", "knives", "anything heavy"], place: ["match", "rally", "park", "station"] },
    ],
    [
      "If my neighbour plays music again tonight I'll {act}.",
      { act: ["smash his face in", "attack him with a hammer", "burn his house down", "kill him"] },
    ],
    [
      "Watching that fight video on repeat. {tail}",
      {
        tail: [
          "Next time I'll bring a weapon and join in.",
          "They deserved every kick to the head.",
          "Wish I'd been there to attack him too.",
        ],
      },
    ],
    [
      "We should attack the {target} and make them pay in blood.",
      { target: ["rival fans", "counter-protesters", "police station", "other gang"] },
    ],
    [
      "{name}, next time I see you I'm going to hurt you. {tail}",
      { name: ["Jordan", "that guy", "my cousin", "Mike"], tail: ["Not joking.", "Watch.", "He won't walk after."] },
    ],
    ["Anyone who disagrees should be lined up and shot. Simple as that.", {}],
    ["Going to the {place} with a knife tonight. I'm going to stab someone.", { place: ["party", "club", "school", "bar on Fifth"] }],
    [
      "Someone needs to attack them. They deserve to be {act}, and I hope it happens soon.",
      { act: ["beaten to death", "shot", "attacked in the street", "burned"] },
    ],
  ],
  spam: [
    [
      "Work from home opportunity!! Only {n} spots left. Free money, no skills needed. Apply: {link}",
      { n: ["2", "7", "10"], link: ["jobs-now.example", "easywork.example"] },
    ],
    [
      "🔥 Make {amount} a week from home! No experience needed. Click here: {link}",
      { amount: ["$5,000", "$2,500", "$10k"], link: ["bit.ly/cash-now", "easyprofit.example", "win-big.example/join"] },
    ],
    [
      "Congratulations, you are a winner! You've won a free {prize}. Click here to claim it before it expires: {link}",
      {
        prize: ["iPhone", "gift card", "cruise", "laptop"],
        link: ["claim-prize.example", "freegift.example/now", "tinyurl.com/yourprize"],
      },
    ],
    [
      "Buy followers cheap!!! {count} followers for just {price}. Buy now at {link}",
      { count: ["1000", "10k", "50,000"], price: ["$9.99", "$4", "$19"], link: ["followboost.example", "getfamous.example"] },
    ],
    [
      "Limited offer: {product} at 90% off. Click the link in bio, only {n} left!",
      { product: ["designer watches", "weight loss pills", "miracle face cream", "crypto course"], n: ["3", "5", "12"] },
    ],
    [
      "Earn passive income with this crypto bot, guaranteed profit of {pct}! Act now: {link}",
      { pct: ["300%", "50% weekly", "10x"], link: ["t.me/moonbot-example", "cryptogains.example"] },
    ],
    [
      "Hot singles in your area want to meet you! Click here: {link}",
      { link: ["meet-now.example", "datefast.example/hot", "bit.ly/singles-near"] },
    ],
    [
      "Your account has been suspended. Click here to verify your password within 24 hours: {link}",
      { link: ["secure-login.example", "account-verify.example", "support-check.example"] },
    ],
    [
      "I made {amount} last month with this one weird trick. Doctors hate it. Subscribe now: {link}",
      { amount: ["$30,000", "$8,000", "six figures"], link: ["trick.example", "secret-method.example"] },
    ],
    [
      "FREE V-BUCKS GENERATOR 100% WORKING {year} visit {link} !!!",
      { year: ["2026", "NO SURVEY"], link: ["vbucks-free.example", "gamecodes.example"] },
    ],
    [
      "Follow for follow? Like my latest post and I'll like yours back. Check out my shop too: discount code FREE50 at {link}",
      { link: ["myshop.example", "dealz.example"] },
    ],
  ],
  self_harm: [
    [
      "I've been giving away my stuff. I won't need it much longer. {tail}",
      { tail: ["It's fine.", "Don't worry about me.", "I've made up my mind."] },
    ],
    [
      "Can't stop thinking about how I want to hurt myself {when}. Everything feels heavy and pointless.",
      { when: ["tonight", "again", "after school", "when I'm alone"] },
    ],
    [
      "Three in the morning and I'm {act}. I want to die, I just want the pain to stop.",
      { act: ["staring at the pills", "crying on the bathroom floor", "writing a goodbye note"] },
    ],
    ["Please don't reply with hotline numbers. I've decided I want to die and I'm tired of pretending I'm okay.", {}],
    [
      "There's no reason to live anymore. I just want to {end}.",
      { end: ["disappear forever", "end it all", "not wake up tomorrow", "stop existing"] },
    ],
    [
      "I cut myself again {when}. I know I should stop but it's the only thing that helps.",
      { when: ["this week", "since Monday", "every night", "after the exam results"] },
    ],
    [
      "Everyone would be better off without me. {tail}",
      {
        tail: [
          "I've been thinking about suicide a lot.",
          "I think tonight is the night I end my life.",
          "I've written the letters already.",
        ],
      },
    ],
    [
      "I want to kill myself. {tail}",
      { tail: ["I'm so tired of everything.", "Nothing is ever going to get better.", "Please don't tell my mum."] },
    ],
    [
      "Is it normal to feel suicidal every single day? I keep {act} and I can't stop.",
      { act: ["hurting myself", "planning how I'd do it", "scratching until it bleeds"] },
    ],
    ["Day {n} of wanting to end my life. Nobody notices anyway.", { n: ["4", "12", "30", "I've lost count"] }],
    [
      "I hate my body so much that I {act}. Don't know how to stop.",
      { act: ["starve myself for days", "hurt myself when I look in the mirror", "cut myself"] },
    ],
    ["Goodbye everyone. I'm done. {tail}", { tail: ["Thanks for nothing.", "I'm sorry, I just want to die.", "Take care of my dog."] }],
    [
      "Sometimes I sit on the {place} and think about jumping. {tail}",
      {
        place: ["bridge railing", "roof of my building", "edge of the platform"],
        tail: ["Today it felt closer.", "I'm scared of myself.", "I feel so suicidal."],
      },
    ],
    [
      "Relapsed on self harm after {n} months clean. Feel like such a failure. Don't want to be here anymore.",
      { n: ["three", "six", "eleven"] },
    ],
  ],
};

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expand(text, slots) {
  let results = [text];
  for (const [slot, values] of Object.entries(slots)) {
    results = results.flatMap((partial) =>
      partial.includes(`{${slot}}`) ? values.map((v) => partial.replaceAll(`{${slot}}`, v)) : [partial],
    );
  }
  return results.map((t) => t.replace(/\s+$/, "").replace(/\s{2,}/g, " "));
}

/** Every label's posts: round-robin over its templates so no single template dominates. */
export function generatePosts(seed = 20261126) {
  const random = mulberry32(seed);
  const posts = [];
  for (const [label, list] of Object.entries(templates)) {
    const pools = list.map(([text, slots]) => {
      const options = expand(text, slots);
      for (let i = options.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [options[i], options[j]] = [options[j], options[i]];
      }
      return options;
    });
    const chosen = new Set();
    while (chosen.size < PER_LABEL && pools.some((p) => p.length > 0)) {
      for (const pool of pools) {
        const next = pool.shift();
        if (next !== undefined && chosen.size < PER_LABEL) chosen.add(next);
      }
    }
    for (const [index, text] of [...chosen].entries()) posts.push({ id: `${label}-${String(index + 1).padStart(3, "0")}`, text, label });
  }
  // Round-robin over labels (each label shuffled), so any run, however short, sees every category in
  // about the data set's proportions instead of a run of one label.
  const byLabel = Object.keys(templates).map((label) => {
    const list = posts.filter((p) => p.label === label);
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
  });
  const interleaved = [];
  while (byLabel.some((list) => list.length > 0)) {
    for (const list of byLabel) {
      const next = list.shift();
      if (next) interleaved.push(next);
    }
  }
  return interleaved;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const posts = generatePosts();
  const out = fileURLToPath(new URL("./moderation-posts.json", import.meta.url));
  writeFileSync(out, `${JSON.stringify(posts, null, 1)}\n`);
  const counts = {};
  for (const p of posts) counts[p.label] = (counts[p.label] ?? 0) + 1;
  console.log(`wrote ${posts.length} posts to ${out}: ${JSON.stringify(counts)}`);
}
